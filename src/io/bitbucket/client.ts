/**
 * Bitbucket Cloud REST API 2.0 over Node's fetch: a timeout per attempt, 429 and 5xx retried with
 * back-off (honouring Retry-After), lists followed through `next`, and Bitbucket's error documents
 * (`{type: "error", error: {message, detail}}`) turned into one-line errors that say what to do.
 */
import { RunError } from '../../errors.js';
import { authorization, describeAuth, type BitbucketAuth } from './auth.js';

/** A failed call: `status` is the HTTP status (0 when Bitbucket could not be reached). */
export class BitbucketApiError extends RunError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  baseUrl: string;
  auth: BitbucketAuth;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Retries of a 429 or 5xx answer; default 4. */
  retries?: number;
  /** Longest wait we accept from Retry-After before giving up; default 60 s. */
  maxWaitMs?: number;
}

export interface Page<T> {
  values: T[];
  next?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After in seconds or as an HTTP date, in milliseconds; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface ErrorDocument {
  type?: string;
  error?: { message?: string; detail?: unknown };
}

/** The scopes a 403 says are missing: `detail.required` (a list), as Bitbucket sends it. */
export function requiredScopes(doc: ErrorDocument | undefined): string[] {
  const detail = doc?.error?.detail;
  if (detail && typeof detail === 'object' && 'required' in detail) {
    const required = (detail as { required: unknown }).required;
    if (Array.isArray(required)) return required.filter((s): s is string => typeof s === 'string');
  }
  return [];
}

function errorMessage(doc: ErrorDocument | undefined, text: string): string {
  const message = doc?.error?.message ?? (text.trim().split('\n')[0] || '');
  const detail = doc?.error?.detail;
  const extra = typeof detail === 'string' ? detail : '';
  return [message.replace(/\.$/, ''), extra].filter(Boolean).join(': ').replace(/\s+/g, ' ').slice(0, 300);
}

export class BitbucketClient {
  private readonly origin: string;

  constructor(private readonly options: ClientOptions) {
    this.origin = new URL(options.baseUrl).origin;
  }

  async get<T>(path: string): Promise<T> {
    return (await this.json<T>('GET', path))!;
  }

  /** The resource, or undefined on 404. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (e instanceof BitbucketApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async send<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
    return (await this.json<T>(method, path, body))!;
  }

  /** Every item of a paginated list, following `next` until there is none. */
  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = path;
    for (let pages = 0; url !== undefined; pages++) {
      if (pages >= 100) throw new BitbucketApiError(`Bitbucket GET ${path}: more than 100 pages`, 0);
      const page: Page<T> = await this.get<Page<T>>(url);
      items.push(...(page.values ?? []));
      url = page.next;
    }
    return items;
  }

  /** A text resource (a step's log); undefined on 404. */
  async text(path: string): Promise<string | undefined> {
    const response = await this.request('GET', path, undefined, 'text/plain, application/octet-stream, */*');
    if (response.status === 404) return undefined;
    if (!response.ok) throw await this.failure('GET', path, response);
    return response.text();
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const response = await this.request(method, path, body, 'application/json');
    if (!response.ok) throw await this.failure(method, path, response);
    const text = await response.text();
    return text ? (JSON.parse(text) as T) : undefined;
  }

  private url(path: string): URL {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(`${this.options.baseUrl}${path}`);
    // the credentials go to Bitbucket's API and nowhere else, whatever a `next` link or redirect says
    if (url.origin !== this.origin)
      throw new BitbucketApiError(
        `Bitbucket sent a link to another host (${url.origin}); refusing to follow it with the credentials`,
        0,
      );
    return url;
  }

  private async request(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const { retries = 4, timeoutMs = 30_000, maxWaitMs = 60_000 } = this.options;
    const url = this.url(path);
    const shown = `${method} ${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            authorization: authorization(this.options.auth),
            accept,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
        // a write that timed out may have been made: only reads are repeated blindly
        if (method === 'GET' && attempt < retries) {
          await sleep(backoff(attempt));
          continue;
        }
        throw new BitbucketApiError(
          `cannot reach Bitbucket for ${shown} (${cause}): check the network, or BITBUCKET_API_URL if you set one`,
          0,
        );
      }
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        // logs are served from storage behind a redirect: fetched without our credentials
        return fetch(new URL(response.headers.get('location')!, url), {
          headers: { accept },
          signal: AbortSignal.timeout(timeoutMs),
        });
      }
      const retriable =
        response.status === 429 || (response.status >= 500 && (method !== 'POST' || response.status === 503));
      if (retriable && attempt < retries) {
        const wait = retryAfterMs(response.headers.get('retry-after'), Date.now()) ?? backoff(attempt);
        if (wait > maxWaitMs) return response;
        await response.body?.cancel();
        await sleep(wait);
        continue;
      }
      return response;
    }
  }

  private async failure(method: string, path: string, response: Response): Promise<BitbucketApiError> {
    const text = await response.text().catch(() => '');
    let doc: ErrorDocument | undefined;
    try {
      doc = JSON.parse(text) as ErrorDocument;
    } catch {
      doc = undefined;
    }
    const where = `Bitbucket ${method} ${this.url(path).pathname}`;
    const message = errorMessage(doc, text);
    const status = response.status;
    if (status === 401) {
      return new BitbucketApiError(
        `${where}: 401 ${message || 'Unauthorized'}: ${describeAuth(this.options.auth)} was refused (wrong, expired or revoked; an API token needs the account email in BITBUCKET_EMAIL)`,
        status,
      );
    }
    if (status === 403) {
      const scopes = requiredScopes(doc);
      const need = scopes.length
        ? `: the token lacks the scope${scopes.length > 1 ? 's' : ''} ${scopes.join(', ')} (create one with ${scopes.length > 1 ? 'them' : 'it'}; the README lists the scopes of each command)`
        : ': the token or its account may not do this (the README lists the scopes of each command)';
      return new BitbucketApiError(`${where}: 403 ${message || 'Forbidden'}${need}`, status);
    }
    if (status === 429)
      return new BitbucketApiError(
        `${where}: 429 rate limited${message ? ` (${message})` : ''}: wait a few minutes and run again`,
        status,
      );
    return new BitbucketApiError(`${where}: ${status}${message ? ` ${message}` : ''}`, status);
  }
}

/** 0.5 s, 1 s, 2 s, 4 s, … */
const backoff = (attempt: number) => 500 * 2 ** attempt;
