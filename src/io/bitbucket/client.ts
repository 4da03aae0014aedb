/**
 * Bitbucket Cloud REST API 2.0 over Node's fetch: a timeout per attempt, 429 and 5xx retried with
 * back-off (honouring Retry-After), lists followed through `next`, and Bitbucket's error documents
 * (`{type: "error", error: {message, detail}}`) turned into one-line errors that say what to do.
 */
import { isObject, MAX_BITBUCKET_RESPONSE_BYTES } from '../../core/util/index.js';
import { RunError } from '../../errors.js';
import { TooLargeError } from '../bounded-read.js';
import { authorization, describeAuth, type BitbucketAuth } from './auth.js';
import { readBody } from '../http-body.js';
import { secureTransport } from './hosts.js';
import { page, ShapeError, type Reader } from './shape.js';

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

/** An answer read whole: what the client looks at. */
interface Answer {
  url: URL;
  status: number;
  ok: boolean;
  text: string;
  contentType: string;
  location: string | undefined;
  retryAfter: string | null;
}

const isRedirect = (status: number) => status >= 300 && status < 400;

/** Sends the request and reads its answer whole, up to the size limit, within the request's signal. */
async function fetchAnswer(url: URL, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await readBody(response, MAX_BITBUCKET_RESPONSE_BYTES);
  return {
    url,
    status: response.status,
    ok: response.ok,
    text,
    contentType: response.headers.get('content-type') ?? '',
    location: response.headers.get('location') ?? undefined,
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Why a request got no whole answer, in one line: timed out, refused, reset, unknown host. */
function networkFault(e: unknown, shown: string, timeoutMs: number): string {
  const error = e as { name?: string; cause?: { code?: string } };
  if (error.name === 'TimeoutError')
    return `cannot reach Bitbucket for ${shown} (no whole answer within ${Math.ceil(timeoutMs / 1000)} s): check the network, or BITBUCKET_API_URL if you set one`;
  const cause = error.cause?.code ?? error.name ?? 'error';
  return `cannot reach Bitbucket for ${shown} (${cause}): check the network, or BITBUCKET_API_URL if you set one`;
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
  const given = doc?.error?.message;
  const message = typeof given === 'string' ? given : text.trim().split('\n')[0] || '';
  const detail = doc?.error?.detail;
  const extra = typeof detail === 'string' ? detail : '';
  return [message.replace(/\.$/, ''), extra].filter(Boolean).join(': ').replace(/\s+/g, ' ').slice(0, 300);
}

export class BitbucketClient {
  private readonly origin: string;

  constructor(private readonly options: ClientOptions) {
    this.origin = new URL(options.baseUrl).origin;
  }

  /** The API URL the client speaks to (BITBUCKET_API_URL): what clone links are checked against. */
  get baseUrl(): string {
    return this.options.baseUrl;
  }

  async get<T>(path: string, read: Reader<T>): Promise<T> {
    return this.json('GET', path, undefined, read);
  }

  /** The resource, or undefined on 404. */
  async find<T>(path: string, read: Reader<T>): Promise<T | undefined> {
    try {
      return await this.get(path, read);
    } catch (e) {
      if (e instanceof BitbucketApiError && e.status === 404) return undefined;
      throw e;
    }
  }

  async send<T>(method: 'POST' | 'PUT', path: string, body: unknown, read: Reader<T>): Promise<T> {
    return this.json(method, path, body, read);
  }

  /** Every item of a paginated list, following `next` until there is none. */
  async list<T>(path: string, item: Reader<T>): Promise<T[]> {
    const items: T[] = [];
    let url: string | undefined = path;
    for (let pages = 0; url !== undefined; pages++) {
      if (pages >= 100) throw new BitbucketApiError(`Bitbucket GET ${path}: more than 100 pages`, 0);
      const next: { values: T[]; next?: string } = await this.get(url, (v) => page(v, item));
      items.push(...next.values);
      url = next.next;
    }
    return items;
  }

  /**
   * A text resource (a step's log); undefined on 404. Bitbucket serves logs from storage behind a
   * redirect: that one is followed without the credentials, over HTTPS only.
   */
  async text(path: string): Promise<string | undefined> {
    const accept = 'text/plain, application/octet-stream, */*';
    let answer = await this.request('GET', path, undefined, accept, true);
    if (isRedirect(answer.status)) {
      const target = this.location(answer, 'GET', path);
      if (!secureTransport(target))
        throw new BitbucketApiError(
          `${this.where('GET', path)}: redirected to ${target.protocol}//${target.host}, not HTTPS: not followed`,
          0,
        );
      answer = await this.request('GET', target.href, undefined, accept, false);
      if (isRedirect(answer.status))
        throw new BitbucketApiError(`${this.where('GET', path)}: redirected twice: not followed`, answer.status);
    }
    if (answer.status === 404) return undefined;
    if (!answer.ok) throw this.failure('GET', path, answer);
    return answer.text;
  }

  private async json<T>(method: string, path: string, body: unknown, read: Reader<T>): Promise<T> {
    let answer = await this.request(method, path, body, 'application/json', true);
    for (let hops = 0; isRedirect(answer.status); hops++) {
      // a write is never redirected: whatever the other place says, the change is not taken as made
      if (method !== 'GET')
        throw new BitbucketApiError(
          `${this.where(method, path)}: answered ${answer.status} (a redirect), which Bitbucket never answers to a write: not taken as done (check BITBUCKET_API_URL)`,
          answer.status,
        );
      const target = this.location(answer, method, path);
      if (target.origin !== this.origin)
        throw new BitbucketApiError(
          `${this.where(method, path)}: redirected to another host (${target.origin}): not followed with the credentials`,
          answer.status,
        );
      if (hops >= 4)
        throw new BitbucketApiError(`${this.where(method, path)}: redirected too many times`, answer.status);
      answer = await this.request(method, target.href, body, 'application/json', true);
    }
    if (!answer.ok) throw this.failure(method, path, answer);
    let parsed: unknown;
    try {
      parsed = answer.text ? JSON.parse(answer.text) : undefined;
    } catch {
      throw new BitbucketApiError(
        `${this.where(method, path)}: the answer is not JSON (${answer.status}, ${answer.contentType || 'no content type'}): is BITBUCKET_API_URL Bitbucket's API?`,
        answer.status,
      );
    }
    try {
      return read(parsed);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      throw new BitbucketApiError(
        `${this.where(method, path)}: not an answer Bitbucket gives: ${e.message}`,
        answer.status,
      );
    }
  }

  private url(path: string): URL {
    let url: URL;
    try {
      url = /^https?:\/\//.test(path) ? new URL(path) : new URL(`${this.options.baseUrl}${path}`);
    } catch {
      throw new BitbucketApiError(`Bitbucket sent a link that is not a URL (${path.slice(0, 100)})`, 0);
    }
    return url;
  }

  /** `Bitbucket GET /2.0/…`: how a request is named in messages (never with the query or credentials). */
  private where(method: string, path: string): string {
    let shown: string;
    try {
      shown = this.url(path).pathname;
    } catch {
      shown = '(a link that is not a URL)';
    }
    return `Bitbucket ${method} ${shown}`;
  }

  private location(answer: Answer, method: string, path: string): URL {
    const location = answer.location;
    try {
      if (location === undefined) throw new TypeError('none');
      return new URL(location, answer.url);
    } catch {
      throw new BitbucketApiError(
        `${this.where(method, path)}: answered ${answer.status} (a redirect) without a usable Location`,
        answer.status,
      );
    }
  }

  /**
   * One request, its answer read whole within the timeout and the size limit, retried as the module says.
   * `credentials` false: the Authorization header is left out (a log's storage); otherwise the URL must be
   * the API's own origin, whatever a `next` link says.
   */
  private async request(
    method: string,
    path: string,
    body: unknown,
    accept: string,
    credentials: boolean,
  ): Promise<Answer> {
    const { retries = 4, timeoutMs = 30_000, maxWaitMs = 60_000 } = this.options;
    const url = this.url(path);
    // the credentials go to Bitbucket's API and nowhere else, whatever a `next` link or redirect says
    if (credentials && url.origin !== this.origin)
      throw new BitbucketApiError(
        `Bitbucket sent a link to another host (${url.origin}); refusing to follow it with the credentials`,
        0,
      );
    const shown = `${method} ${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let answer: Answer;
      try {
        answer = await fetchAnswer(url, {
          method,
          headers: {
            ...(credentials ? { authorization: authorization(this.options.auth) } : {}),
            accept,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        if (e instanceof TooLargeError)
          throw new BitbucketApiError(`Bitbucket ${shown}: the answer is ${e.message}: not read`, 0);
        // a write that timed out may have been made: only reads are repeated blindly
        if (method === 'GET' && attempt < retries) {
          await sleep(backoff(attempt));
          continue;
        }
        throw new BitbucketApiError(networkFault(e, shown, timeoutMs), 0);
      }
      const retriable = answer.status === 429 || (answer.status >= 500 && (method !== 'POST' || answer.status === 503));
      if (retriable && attempt < retries) {
        const wait = retryAfterMs(answer.retryAfter, Date.now()) ?? backoff(attempt);
        if (wait > maxWaitMs) return answer;
        await sleep(wait);
        continue;
      }
      return answer;
    }
  }

  private failure(method: string, path: string, response: Answer): BitbucketApiError {
    const text = response.text;
    let doc: ErrorDocument | undefined;
    try {
      // any JSON may come back: only an object is read as Bitbucket's error document
      const parsed = JSON.parse(text) as unknown;
      doc = isObject(parsed) && (parsed['error'] === undefined || isObject(parsed['error'])) ? parsed : undefined;
    } catch {
      doc = undefined;
    }
    const where = this.where(method, path);
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
