import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReferenceMcpServer } from '@portcullis/app-mcp-server';
import { type RunningIdp, type StartIdpOptions, startIdp } from '@portcullis/idp';
import { CookieBrowser, freePort } from '@portcullis/test-support';
import { afterAll, beforeAll } from 'vitest';
import type { BrowserOpener } from '../../src/index.js';

const noop = () => {};
/** A logger that drops everything (the reference server logs every request at info). */
export const silentLogger = {
  level: 'silent',
  fatal: noop,
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  silent: noop,
  child() {
    return silentLogger;
  },
};

/** The seeded user every test logs in as. */
export const ALICE = { username: 'alice', password: 'alice-pass' } as const;

type FastifyInstance = ReturnType<typeof createReferenceMcpServer>;

/** A running embedded IdP with the reference MCP server as its resource. */
export interface Stack {
  readonly idp: RunningIdp;
  readonly app: FastifyInstance;
  /** `http://localhost:<port>/mcp`. */
  readonly resource: string;
  /** A fresh token store folder for each call. */
  storeDir(): Promise<string>;
}

/** Fresh temporary token store folders, removed after the file's tests. */
export function useStoreDirs(): () => Promise<string> {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-client-'));
    dirs.push(dir);
    return dir;
  };
}

/** Start the IdP (alice, `mcp:tools` + `mcp:admin`) and the reference server; stop both after the file. */
export function useStack(idpOverrides: Partial<StartIdpOptions> = {}): Stack {
  const stack = { storeDir: useStoreDirs() } as Stack & {
    idp: RunningIdp;
    app: FastifyInstance;
    resource: string;
  };
  beforeAll(async () => {
    const port = await freePort();
    stack.resource = `http://localhost:${port}/mcp`;
    stack.idp = await startIdp(
      {
        resources: [
          { uri: stack.resource, scopes: ['mcp:tools', 'mcp:admin'], name: 'Reference MCP server' },
        ],
        users: [{ ...ALICE, name: 'Alice Example' }],
        ...idpOverrides,
      },
      { logger: { warn: () => {}, error: () => {} } },
    );
    stack.app = createReferenceMcpServer({
      resource: stack.resource,
      issuer: stack.idp.issuer,
      logger: silentLogger as never,
    });
    await stack.app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => {
    await stack.app?.close();
    await stack.idp?.close();
  });
  return stack;
}

function field(html: string, pattern: RegExp, what: string): string {
  const match = pattern.exec(html);
  if (!match?.[1]) throw new Error(`no ${what} in the IdP page`);
  return match[1].replaceAll('&#47;', '/').replaceAll('&amp;', '&');
}

/**
 * A browser opener that logs in as alice on the embedded IdP, approves consent and delivers the final redirect
 * to the client's loopback receiver. Records every URL it was asked to open.
 */
export function idpBrowser(opened: string[] = []): BrowserOpener {
  const browser = new CookieBrowser();
  return async (url) => {
    opened.push(url);
    const origin = new URL(url).origin;
    let res = await browser.follow(await browser.get(url), origin);
    for (let step = 0; step < 4 && res.status === 200; step++) {
      const html = await res.text();
      const csrf = field(html, /name="csrf" value="([^"]+)"/, 'csrf field');
      const form = html.includes('<form id="login"') ? 'login' : 'consent';
      const action = field(
        html,
        new RegExp(`<form id="${form}" method="post" action="([^"]+)"`),
        `${form} form`,
      );
      const body: Record<string, string> =
        form === 'login' ? { csrf, ...ALICE } : { csrf, decision: 'approve' };
      res = await browser.follow(await browser.post(new URL(action, origin).href, body), origin);
    }
    const location = res.headers.get('location');
    if (location === null) throw new Error(`login ended without a redirect (status ${res.status})`);
    void fetch(location).then((r) => r.body?.cancel());
  };
}
