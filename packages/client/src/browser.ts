import { spawn } from 'node:child_process';
import { assertSecureUrl } from '@portcullis/metadata';
import { ClientError, messageOf } from './errors.js';
import type { BrowserOpener } from './options.js';

/**
 * Check an authorization URL before anything opens it (CL-28): `https:`, or `http:` on loopback when allowed.
 * `javascript:`, `data:`, `file:`, `vbscript:` and every other scheme are refused.
 * @throws {ClientError} `ERR_PORTCULLIS_CLIENT_UNSAFE_URL`.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations
 */
export function assertOpenableUrl(url: string, allowLoopbackHttp: boolean): void {
  try {
    assertSecureUrl(url, { allowLoopbackHttp, field: 'authorization URL' });
  } catch (error) {
    throw new ClientError(
      'ERR_PORTCULLIS_CLIENT_UNSAFE_URL',
      `refusing to open ${JSON.stringify(url)}: ${messageOf(error)}`,
      {
        url,
        hint: 'the authorization server advertises an unsafe authorization_endpoint; report it to its operator',
      },
    );
  }
}

/** The system's URL opener for this platform: `open` (macOS), `cmd /c start` (Windows), else `xdg-open`. */
export function systemOpenerCommand(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['rundll32', 'url.dll,FileProtocolHandler'];
  return ['xdg-open'];
}

/**
 * A {@link BrowserOpener} that runs `command` (split on spaces) with the URL as one extra argument, never through
 * a shell, so the URL cannot inject commands. Resolves once the process started; a non-zero exit is reported
 * through `onExitError` (the user may still open the printed URL by hand).
 */
export function commandOpener(
  command: string | readonly string[],
  onExitError?: (e: ClientError) => void,
): BrowserOpener {
  const argv = typeof command === 'string' ? command.trim().split(/\s+/) : [...command];
  const [file, ...args] = argv;
  if (file === undefined || file === '') {
    throw new ClientError('ERR_PORTCULLIS_CLIENT_INVALID_OPTIONS', 'the browser command is empty', {
      hint: 'pass --browser-command "<program> [args]" or set PORTCULLIS_BROWSER',
    });
  }
  return (url) =>
    new Promise((resolve, reject) => {
      const child = spawn(file, [...args, url], { stdio: 'ignore', shell: false });
      child.once('error', (error) =>
        reject(
          new ClientError(
            'ERR_PORTCULLIS_CLIENT_BROWSER_FAILED',
            `cannot start the browser command ${file}: ${error.message}`,
            {
              hint: 'open the printed URL yourself, or pass --browser-command / PORTCULLIS_BROWSER',
              cause: error,
            },
          ),
        ),
      );
      child.once('spawn', () => resolve());
      child.once('exit', (code) => {
        if (code !== 0 && code !== null) {
          onExitError?.(
            new ClientError(
              'ERR_PORTCULLIS_CLIENT_BROWSER_FAILED',
              `the browser command ${file} exited with ${code}`,
              {
                hint: 'open the printed URL yourself',
              },
            ),
          );
        }
      });
      child.unref();
    });
}
