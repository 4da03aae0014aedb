/** What the commands that talk to Bitbucket share: a client when credentials are given. */
import { describeChange, type BitbucketPlan } from '../core/bitbucket-setup/index.js';
import { readBitbucketAuth, type BitbucketAuth } from '../io/bitbucket/auth.js';
import { apiBaseUrl } from '../io/bitbucket/hosts.js';
import { BitbucketClient } from '../io/bitbucket/client.js';
import { green, yellow } from '../io/style.js';
import { UsageError } from '../errors.js';

export interface BitbucketSession {
  auth: BitbucketAuth;
  client: BitbucketClient;
}

/** A session when a token is given (flag, else environment); undefined otherwise. */
export function openBitbucket(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  flag: unknown,
): BitbucketSession | undefined {
  const auth = readBitbucketAuth(cwd, env, typeof flag === 'string' ? flag : undefined);
  if (!auth) return undefined;
  return { auth, client: new BitbucketClient({ baseUrl: apiBaseUrl(env), auth }) };
}

export const NO_TOKEN =
  'set BITBUCKET_EMAIL and BITBUCKET_API_TOKEN (an Atlassian API token with scopes), or BITBUCKET_ACCESS_TOKEN (a repository, project or workspace access token), or pass --bitbucket-token @<file>';

/** A plan as the user reads it before confirming: `+` adds, `~` changes in place, `!` what is left alone. */
export function planText(plan: BitbucketPlan, indent = '  '): string {
  return [
    ...plan.changes.map(
      (c) => `${indent}${c.kind.startsWith('update') ? yellow('~') : green('+')} ${describeChange(c)}`,
    ),
    ...plan.notes.map((n) => `${indent}${yellow('!')} ${n}`),
  ].join('\n');
}

/** What `--bitbucket` refuses before anything is read: JSON output (it shows a plan and progress), a bad project key. */
export function checkBitbucketOptions(json: boolean, project: string | undefined): void {
  if (json) throw new UsageError('--bitbucket shows a plan and its progress: drop --json');
  if (project !== undefined && !/^[A-Za-z][A-Za-z0-9_]*$/.test(project))
    throw new UsageError(
      `--project ${project}: must be a Bitbucket project key (letters, digits and "_", starting with a letter)`,
    );
}
