import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieBrowser } from '../src/index.js';

/** Every request the site received: method, path, Cookie header and body. */
const seen: { method: string; path: string; cookie: string; body: string }[] = [];
let server: Server;
let origin: string;

async function bodyOf(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const path = req.url ?? '/';
      seen.push({ method: req.method ?? '', path, cookie: req.headers.cookie ?? '', body });
      if (path === '/set') {
        res.setHeader('set-cookie', ['site=1; Path=/', 'scoped=2; Path=/area; HttpOnly', 'gone=3; Path=/']);
        res.writeHead(302, { location: '/area/page' }).end();
      } else if (path === '/drop') {
        res.setHeader('set-cookie', [
          'gone=; Path=/',
          'site=x; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        ]);
        res.writeHead(200).end();
      } else if (path === '/away') {
        res.writeHead(303, { location: 'http://127.0.0.1:1/cb?code=abc' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('CookieBrowser', () => {
  it('stores cookies, does not follow redirects by itself, and sends cookies by path', async () => {
    const browser = new CookieBrowser();
    const res = await browser.get(`${origin}/set`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/area/page');
    expect(browser.cookieNames()).toEqual(['site', 'scoped', 'gone']);
    expect(browser.cookieHeader(`${origin}/area/page`)).toBe('site=1; scoped=2; gone=3');
    expect(browser.cookieHeader(`${origin}/area`)).toBe('site=1; scoped=2; gone=3');
    expect(browser.cookieHeader(`${origin}/areas`)).toBe('site=1; gone=3');
    await browser.get(`${origin}/other`);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', path: '/other', cookie: 'site=1; gone=3' });
  });

  it('follows redirects on the origin and stops at one leaving it', async () => {
    const browser = new CookieBrowser();
    const page = await browser.follow(await browser.get(`${origin}/set`), origin);
    expect(page.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ path: '/area/page', cookie: 'site=1; scoped=2; gone=3' });
    const away = await browser.follow(await browser.get(`${origin}/away`), origin);
    expect(away.status).toBe(303);
    expect(away.headers.get('location')).toBe('http://127.0.0.1:1/cb?code=abc');
  });

  it('drops cookies set to an empty value or expired', async () => {
    const browser = new CookieBrowser();
    await browser.get(`${origin}/set`);
    await browser.get(`${origin}/drop`);
    expect(browser.cookieNames()).toEqual(['scoped']);
    expect(browser.cookieHeader(`${origin}/`)).toBe('');
  });

  it('POSTs forms url-encoded with the cookies', async () => {
    const browser = new CookieBrowser();
    await browser.get(`${origin}/set`);
    const res = await browser.post(`${origin}/area/login`, { csrf: 'a&b', username: 'joe' });
    expect(res.status).toBe(200);
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      path: '/area/login',
      cookie: 'site=1; scoped=2; gone=3',
      body: 'csrf=a%26b&username=joe',
    });
    await browser.request(`${origin}/plain`);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', body: '' });
  });
});
