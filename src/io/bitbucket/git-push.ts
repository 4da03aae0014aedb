/**
 * Pushing `main` to Bitbucket over HTTPS with the token, which git gets for this one push only
 * (`withCredentials` in ../git.ts): never in a URL, an argument, the repository's git config or any file.
 */
import { shQuote } from '../../core/shell.js';
import { pushFailed, pushMain, pushState } from '../git.js';
import { gitCredentials, type BitbucketAuth } from './auth.js';

/** Pushes `main` to `url` as origin; 'already' when origin/main already is HEAD. */
export async function pushWithToken(
  dir: string,
  url: string,
  auth: BitbucketAuth,
  timeoutSeconds: number,
): Promise<'pushed' | 'already'> {
  const state = await pushState(dir);
  if (state.origin === url && state.pushed) return 'already';
  const failed = await pushMain(dir, url, state.origin, timeoutSeconds, gitCredentials(auth));
  if (failed !== undefined)
    throw pushFailed(url, failed, dir, `run the same command again, or: git -C ${shQuote(dir)} push -u origin main`);
  return 'pushed';
}
