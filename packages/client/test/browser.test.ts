import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ClientError, commandOpener, systemOpenerCommand } from '../src/index.js';
import { useStoreDirs } from './helpers/stack.js';

const tempDir = useStoreDirs();

describe('browser opener', () => {
  it('[CL-28] passes the URL as one argument and never through a shell', async () => {
    const out = join(await tempDir(), 'argv.json');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(1)))`;
    const url = 'https://as.example/authorize?a=1&b=$(touch /tmp/pwned);x`id`';
    await commandOpener([process.execPath, '-e', script])(url);
    let argv: string[] = [];
    for (let i = 0; i < 500 && argv.length === 0; i++) {
      argv = await readFile(out, 'utf8').then(JSON.parse, () => []);
      if (argv.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(argv).toEqual([url]);
  });

  it('reports a browser command that cannot start, with what to do', async () => {
    const error = await commandOpener('/nonexistent/browser --flag')('https://as.example/a').catch(
      (e: unknown) => e,
    );
    expect((error as ClientError).code).toBe('ERR_PORTCULLIS_CLIENT_BROWSER_FAILED');
    expect((error as ClientError).hint).toContain('--browser-command');
  });

  it('picks the platform opener', () => {
    expect(systemOpenerCommand('darwin')).toEqual(['open']);
    expect(systemOpenerCommand('linux')).toEqual(['xdg-open']);
  });
});
