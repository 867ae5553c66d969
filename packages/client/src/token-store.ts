import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ClientError, messageOf } from './errors.js';

// Written by hand: the SDK leaves storage to the application and has no locking (mcp-sdk-v2.md §4.5). Files are
// 0600 in 0700 folders, written through a temporary file and a rename, and a cross-process lock
// (proper-lockfile) serialises refreshes so that a rotated refresh token is never lost.

/** A client registration, keyed by the authorization server's issuer (CL-06, CL-19). */
export interface StoredClient {
  readonly issuer: string;
  readonly client_id: string;
  readonly client_secret?: string | undefined;
  readonly token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none';
  readonly via: 'pre-registered' | 'cimd' | 'dcr';
  /** The redirect URIs a dynamic registration was made with. */
  readonly redirect_uris?: readonly string[] | undefined;
}

/** Tokens for one issuer + resource + client. `expires_at` is in epoch seconds. */
export interface StoredTokens {
  readonly issuer: string;
  readonly resource: string;
  readonly client_id: string;
  readonly access_token: string;
  readonly token_type: string;
  readonly refresh_token?: string | undefined;
  readonly expires_at?: number | undefined;
  readonly scope?: string | undefined;
}

/** Which tokens a server URL last used. */
export interface ServerBinding {
  readonly issuer: string;
  readonly resource: string;
  readonly client_id: string;
}

const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);

/** The on-disk store of registrations and tokens. Safe to share between processes. */
export class TokenStore {
  readonly dir: string;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file name part that identifies tokens for an issuer + resource + client. */
  static tokenKey(issuer: string, resource: string, clientId: string): string {
    return hash(issuer, resource, clientId);
  }

  readClient(issuer: string): Promise<StoredClient | undefined> {
    return this.#read(join('clients', `${hash(issuer)}.json`));
  }

  writeClient(client: StoredClient): Promise<void> {
    return this.#write(join('clients', `${hash(client.issuer)}.json`), client);
  }

  deleteClient(issuer: string): Promise<void> {
    return this.#delete(join('clients', `${hash(issuer)}.json`));
  }

  readTokens(key: string): Promise<StoredTokens | undefined> {
    return this.#read(join('tokens', `${key}.json`));
  }

  writeTokens(tokens: StoredTokens): Promise<void> {
    const key = TokenStore.tokenKey(tokens.issuer, tokens.resource, tokens.client_id);
    return this.#write(join('tokens', `${key}.json`), tokens);
  }

  deleteTokens(key: string): Promise<void> {
    return this.#delete(join('tokens', `${key}.json`));
  }

  readBinding(serverUrl: string): Promise<ServerBinding | undefined> {
    return this.#read(join('servers', `${hash(serverUrl)}.json`));
  }

  writeBinding(serverUrl: string, binding: ServerBinding): Promise<void> {
    return this.#write(join('servers', `${hash(serverUrl)}.json`), binding);
  }

  deleteBinding(serverUrl: string): Promise<void> {
    return this.#delete(join('servers', `${hash(serverUrl)}.json`));
  }

  /**
   * Run `fn` while holding the lock for `key`, in this process (a queue) and across processes (a lock folder
   * next to the token file; a lock older than 10 s is treated as stale).
   */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => this.#locked(key, fn));
    this.#queues.set(key, run);
    try {
      return await run;
    } finally {
      if (this.#queues.get(key) === run) this.#queues.delete(key);
    }
  }

  async #locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.#ensureDir('tokens');
    const target = join(this.dir, 'tokens', `${key}.json`);
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        stale: 10_000,
        retries: { retries: 200, factor: 1.2, minTimeout: 20, maxTimeout: 250 },
      });
    } catch (error) {
      throw this.#error('lock', target, error);
    }
    try {
      return await fn();
    } finally {
      await release().catch(() => {});
    }
  }

  async #ensureDir(sub: string): Promise<string> {
    const path = join(this.dir, sub);
    await mkdir(path, { recursive: true, mode: 0o700 });
    return path;
  }

  async #read<T>(relative: string): Promise<T | undefined> {
    const path = join(this.dir, relative);
    try {
      return JSON.parse(await readFile(path, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (error instanceof SyntaxError) return undefined;
      throw this.#error('read', path, error);
    }
  }

  async #write(relative: string, value: unknown): Promise<void> {
    const path = join(this.dir, relative);
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.#ensureDir(relative.split(/[\\/]/)[0] ?? '');
      await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
      await chmod(temporary, 0o600);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => {});
      throw this.#error('write', path, error);
    }
  }

  async #delete(relative: string): Promise<void> {
    await rm(join(this.dir, relative), { force: true });
  }

  #error(what: string, path: string, error: unknown): ClientError {
    return new ClientError('ERR_PORTCULLIS_CLIENT_STORE', `cannot ${what} ${path}: ${messageOf(error)}`, {
      url: path,
      hint: `check that ${this.dir} is writable by you (or set PORTCULLIS_HOME / --store-dir)`,
      cause: error,
    });
  }
}
