/** One stored cookie: its name, value and the path it applies to. */
interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

/**
 * Just enough of a browser to drive an authorization server's login and consent pages with `fetch`:
 * a cookie jar (name, path and deletion only; keyed by name and path), manual redirects and form POSTs.
 *
 * A cookie is dropped when a response sets it to an empty value or with an `Expires` date in the past.
 * A request carries the cookies whose path matches its URL's path.
 */
export class CookieBrowser {
  readonly #cookies = new Map<string, StoredCookie>();

  /** GET `url` without following redirects. */
  get(url: string): Promise<Response> {
    return this.request(url);
  }

  /** POST `form` to `url` as `application/x-www-form-urlencoded`, without following redirects. */
  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.request(url, form);
  }

  /** GET `url`, or POST `form` to it when given; stores the response's cookies and never follows redirects. */
  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: form === undefined ? 'GET' : 'POST',
      redirect: 'manual',
      headers: {
        cookie: this.cookieHeader(url),
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form === undefined ? undefined : new URLSearchParams(form),
    });
    this.store(response);
    return response;
  }

  /**
   * Follow redirects that stay on `origin` (at most 10); stop at the first non-redirect answer or at a
   * redirect that leaves the origin, and return that response.
   */
  async follow(response: Response, origin: string): Promise<Response> {
    let current = response;
    for (let i = 0; i < 10 && current.status >= 300 && current.status < 400; i++) {
      const location = new URL(current.headers.get('location') ?? '', origin).href;
      if (!location.startsWith(origin)) return current;
      current = await this.get(location);
    }
    return current;
  }

  /** Remember the `Set-Cookie` headers of a response. */
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      const expired = attributes.some((a) => /^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now());
      const key = `${name};${path}`;
      if (expired || value === '') this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  /** The `Cookie` header this browser sends to `url`. */
  cookieHeader(url: string): string {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  /** Names of the stored cookies, in the order they were first set. */
  cookieNames(): string[] {
    return [...this.#cookies.values()].map((c) => c.name);
  }
}
