/**
 * Bitbucket credentials: an Atlassian API token with scopes (account email + token, HTTP Basic) or a
 * repository/project/workspace access token (Bearer). Read from the environment or a file, never from
 * a flag's literal value; held in memory only, never printed or written anywhere.
 */
import { UsageError } from '../../errors.js';
import { READ_LIMIT, readFlagFile } from '../bounded-read.js';

export type BitbucketAuth =
  { kind: 'api-token'; email: string; token: string } | { kind: 'access-token'; token: string };

/** The git user name Bitbucket expects with each kind of token over HTTPS. */
const GIT_USER = { 'api-token': 'x-bitbucket-api-token-auth', 'access-token': 'x-token-auth' } as const;

/** The `Authorization` header of an API request. */
export function authorization(auth: BitbucketAuth): string {
  return auth.kind === 'access-token'
    ? `Bearer ${auth.token}`
    : `Basic ${Buffer.from(`${auth.email}:${auth.token}`).toString('base64')}`;
}

export function gitCredentials(auth: BitbucketAuth): { username: string; password: string } {
  return { username: GIT_USER[auth.kind], password: auth.token };
}

/** How the user names the credentials, for messages: never the secret itself. */
export function describeAuth(auth: BitbucketAuth): string {
  return auth.kind === 'access-token' ? 'the access token' : `the API token of ${auth.email}`;
}

/**
 * `--bitbucket-token @file` (a file holding an access token, or `email:api-token`), else
 * BITBUCKET_EMAIL + BITBUCKET_API_TOKEN, else BITBUCKET_ACCESS_TOKEN; undefined when none is given.
 */
export function readBitbucketAuth(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  flag: string | undefined,
): BitbucketAuth | undefined {
  if (flag !== undefined) {
    if (!flag.startsWith('@')) {
      throw new UsageError(
        '--bitbucket-token: give @<file> holding the token (a token on the command line ends up in shell history); or set BITBUCKET_ACCESS_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN',
      );
    }
    const text = readFlagFile(cwd, '--bitbucket-token', flag.slice(1), READ_LIMIT.credential).trim();
    if (!text || /\s/.test(text))
      throw new UsageError(`--bitbucket-token ${flag}: the file must hold one token (or email:token) and nothing else`);
    const at = /^([^:@\s]+@[^:\s]+):(.+)$/.exec(text);
    return at ? { kind: 'api-token', email: at[1]!, token: at[2]! } : { kind: 'access-token', token: text };
  }
  const email = env['BITBUCKET_EMAIL']?.trim();
  const apiToken = env['BITBUCKET_API_TOKEN']?.trim();
  if (apiToken && !email)
    throw new UsageError('BITBUCKET_API_TOKEN needs BITBUCKET_EMAIL: the Atlassian account email the token belongs to');
  if (email && apiToken) return { kind: 'api-token', email, token: apiToken };
  const access = env['BITBUCKET_ACCESS_TOKEN']?.trim();
  return access ? { kind: 'access-token', token: access } : undefined;
}
