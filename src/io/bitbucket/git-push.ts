/**
 * Pushing `main` to Bitbucket over HTTPS with the token, which git gets for this one push only
 * (`withCredentials` in ../git.ts): never in a URL, an argument, the repository's git config or any file.
 */
import { shQuote } from '../../core/util/index.js';
import { pushFailed, pushMain, pushState } from '../git.js';
import { gitCredentials, type BitbucketAuth } from './auth.js';
import { tokenMayGoTo } from './hosts.js';

/**
 * Pushes `main` to `url` as origin; 'already' when origin/main already is HEAD. The token goes along only
 * to Bitbucket's git host (./hosts.ts): a remote of the user's elsewhere (`--push`) gets git's own credentials.
 */
export async function pushWithToken(
  dir: string,
  url: string,
  auth: BitbucketAuth,
  apiBase: string,
  timeoutSeconds: number,
): Promise<'pushed' | 'already'> {
  const state = await pushState(dir);
  if (state.origin === url && state.pushed) return 'already';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const credentials = parsed && tokenMayGoTo(apiBase, parsed) ? gitCredentials(auth) : undefined;
  const failed = await pushMain(dir, url, state.origin, timeoutSeconds, credentials);
  if (failed !== undefined)
    throw pushFailed(url, failed, dir, `run the same command again, or: git -C ${shQuote(dir)} push -u origin main`);
  return 'pushed';
}
