/**
 * Pushing `main` to Bitbucket over HTTPS with the token. The token reaches git through a credential
 * helper given with `-c` for this one command, reading it from the child's environment: it is never in
 * a URL, an argument, the repository's git config or any file.
 */
import { execa } from 'execa';
import { shQuote } from '../../core/shell.js';
import { RunError } from '../../errors.js';
import { pushState, withCredentials } from '../git.js';
import { gitCredentials, type BitbucketAuth } from './auth.js';

/** Pushes `main` to `url` as origin; 'already' when origin/main already is HEAD. */
export async function pushWithToken(dir: string, url: string, auth: BitbucketAuth): Promise<'pushed' | 'already'> {
  const state = await pushState(dir);
  if (state.origin === url && state.pushed) return 'already';
  const git = (args: string[], env: Record<string, string> = {}) =>
    execa('git', args, { cwd: dir, reject: false, env: { GIT_TERMINAL_PROMPT: '0', ...env } });
  const set = await git(
    state.origin === undefined ? ['remote', 'add', 'origin', url] : ['remote', 'set-url', 'origin', url],
  );
  if (set.exitCode !== 0) throw new RunError(`git remote failed in ${dir}: ${set.stderr.split('\n')[0]}`);
  const credentials = gitCredentials(auth);
  const { password } = credentials;
  const token = withCredentials(credentials);
  const r = await git([...token.args, 'push', '-q', '-u', 'origin', 'main'], token.env);
  if (r.exitCode !== 0) {
    const why = (
      r.stderr.split('\n').find((l) => /^(fatal|error|remote):/.test(l.trim())) ??
      r.stderr.split('\n')[0] ??
      ''
    )
      .replaceAll(password, '***')
      .trim();
    throw new RunError(
      `push to ${url} failed: ${why}. The local repository and its commit are kept in ${dir}; run the same command again, or: git -C ${shQuote(dir)} push -u origin main`,
    );
  }
  return 'pushed';
}
