import { KeycloakError } from './errors.js';

/** A response read once: status, headers and body text. */
export interface HttpResult {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * A tiny browser stand-in for plain-HTTP login flows: a cookie jar per host, manual redirects, timeouts.
 * Cookies are kept by name only (Keycloak scopes its cookies to the realm path of one host).
 */
export class HttpSession {
  readonly #cookies = new Map<string, Map<string, string>>();
  readonly #timeoutMs: number;

  constructor(timeoutMs = 15_000) {
    this.#timeoutMs = timeoutMs;
  }

  /** One request, no redirect following; cookies sent and stored. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    const target = new URL(url);
    const headers = new Headers({ accept: 'text/html,application/json' });
    const jar = this.#cookies.get(target.host);
    if (jar && jar.size > 0) {
      headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    let body: string | undefined;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    let response: Response;
    try {
      response = await fetch(target, {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new KeycloakError(
        'ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE',
        `Request to ${target.origin}${target.pathname} failed (${(cause as Error).message}). Is Keycloak running there?`,
        { cause },
      );
    }
    this.#store(target.host, response.headers.getSetCookie());
    return {
      url: target.toString(),
      status: response.status,
      headers: response.headers,
      text: await response.text(),
    };
  }

  #store(host: string, setCookies: string[]): void {
    let jar = this.#cookies.get(host);
    if (!jar) {
      jar = new Map();
      this.#cookies.set(host, jar);
    }
    for (const line of setCookies) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = /max-age=0(?:;|$)/i.test(line) || /expires=thu, 01[- ]jan[- ]1970/i.test(line);
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}

/** JSON request helper (no cookies): returns the status and the parsed body (undefined if not JSON). */
export async function requestJson(
  url: string,
  init: {
    method?: string;
    json?: unknown;
    form?: Record<string, string>;
    bearer?: string;
    timeoutMs?: number;
  } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers = new Headers({ accept: 'application/json' });
  let body: string | undefined;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(init.form).toString();
  }
  if (init.bearer) headers.set('authorization', `Bearer ${init.bearer}`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
  } catch (cause) {
    const where = new URL(url);
    throw new KeycloakError(
      'ERR_PORTCULLIS_KEYCLOAK_UNEXPECTED_RESPONSE',
      `Request to ${where.origin}${where.pathname} failed (${(cause as Error).message}). Is Keycloak running there?`,
      { cause },
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
