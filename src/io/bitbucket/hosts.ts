/**
 * Where the Bitbucket credentials may go: the API URL the user configured (HTTPS, plain HTTP only to this
 * machine for tests, no credentials inside), and for `git push` Bitbucket's git host beside it. A clone link
 * or redirect that names any other place is refused before the token is handed over.
 */
import { RunError, UsageError } from '../../errors.js';

export const DEFAULT_API_URL = 'https://api.bitbucket.org/2.0';

/** Bitbucket Cloud's git host, for its API host. */
const GIT_HOST_OF_API: Readonly<Record<string, string>> = { 'api.bitbucket.org': 'bitbucket.org' };

/** 127.0.0.0/8, ::1 and localhost: the only hosts spoken to in plain HTTP. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** HTTPS, or HTTP to this machine: the rule every URL that gets the credentials follows. */
export function secureTransport(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

/** BITBUCKET_API_URL, else Bitbucket Cloud's API: bad input (exit 2) when it would expose the token. */
export function apiBaseUrl(env: Readonly<Record<string, string | undefined>>): string {
  const raw = env['BITBUCKET_API_URL']?.trim() || DEFAULT_API_URL;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  // the value is not echoed once parsed: it may hold a password
  if (!url || !/^https?:$/.test(url.protocol) || /\s/.test(raw))
    throw new UsageError('BITBUCKET_API_URL: must be an https:// URL (http:// only to 127.0.0.1, ::1 or localhost)');
  if (url.username || url.password)
    throw new UsageError(
      'BITBUCKET_API_URL: must not hold credentials (user:password@): give them in BITBUCKET_ACCESS_TOKEN, BITBUCKET_EMAIL and BITBUCKET_API_TOKEN, or --bitbucket-token @<file>',
    );
  if (!secureTransport(url))
    throw new UsageError(
      `BITBUCKET_API_URL: must be https:// (http:// only to 127.0.0.1, ::1 or localhost, for tests): the token would travel in clear to ${url.host}`,
    );
  if (url.search || url.hash) throw new UsageError('BITBUCKET_API_URL: must not have a query or fragment');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** The hosts that may get the token for `git push`: the API's own, and Bitbucket's git host beside it. */
function gitHosts(api: URL): string[] {
  const git = GIT_HOST_OF_API[api.hostname];
  return git ? [api.hostname, git] : [api.hostname];
}

/** A URL git may get the token for: one of the API's git hosts, over HTTPS (HTTP to this machine only). */
export function tokenMayGoTo(apiBase: string, url: URL): boolean {
  return gitHosts(new URL(apiBase)).includes(url.hostname) && secureTransport(url);
}

/**
 * The URL to push to with the token, from the clone link Bitbucket gave for `repository`, when the link
 * passes `tokenMayGoTo`; any user name or password in the link is dropped (git gets ours from the
 * credential helper). Any other link is refused before git runs.
 */
export function gitRemote(apiBase: string, href: string, repository: string): string {
  let url: URL | undefined;
  try {
    url = new URL(href);
  } catch {
    url = undefined;
  }
  if (!url || !tokenMayGoTo(apiBase, url))
    throw new RunError(
      `Bitbucket gave ${repository} the clone link ${href.slice(0, 200)}: the token goes only to ${gitHosts(new URL(apiBase)).join(' or ')} over HTTPS, so nothing is pushed there (check BITBUCKET_API_URL)`,
    );
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Where a repository is pushed when Bitbucket's answer has no clone link: its git host, as Bitbucket names it. */
export function defaultGitRemote(apiBase: string, workspace: string, slug: string): string {
  const api = new URL(apiBase);
  const host = GIT_HOST_OF_API[api.hostname] ?? api.host;
  return `${api.protocol}//${host}/${encodeURIComponent(workspace)}/${encodeURIComponent(slug)}.git`;
}
