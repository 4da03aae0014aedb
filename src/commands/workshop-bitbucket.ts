/** `workshop` with Bitbucket credentials: the workspace's UUID, and every existing repository's by slug. */
import { bare, reconcile } from '../core/bitbucket-setup/lookups.js';
import { UsageError } from '../errors.js';
import { listRepositories } from '../io/bitbucket/api.js';
import { workspaceUuid } from '../io/bitbucket/state.js';
import type { BitbucketSession } from './bitbucket-session.js';
import { readAnswersFile } from './new.js';

export async function lookUpForWorkshop(
  cwd: string,
  flags: Record<string, string | undefined>,
  answersFile: string | undefined,
  session: BitbucketSession,
): Promise<{ flags: Record<string, string | undefined>; repoUuids: Record<string, string> }> {
  const file = answersFile === undefined ? undefined : readAnswersFile(cwd, answersFile);
  const given = (name: string) =>
    flags[name] ?? (typeof file?.values[name] === 'string' ? (file.values[name] as string) : undefined);
  const workspace = given('workspace');
  if (!workspace) throw new UsageError('Bitbucket look-ups need --workspace <slug> (or workspace in --answers)');
  const [uuid, repositories] = await Promise.all([
    workspaceUuid(session.client, workspace, given('workspaceUuid')),
    listRepositories(session.client, workspace),
  ]);
  return {
    flags: {
      ...flags,
      workspaceUuid: reconcile('workspace-uuid', given('workspaceUuid'), uuid, `workspace ${workspace}`),
    },
    repoUuids: Object.fromEntries(repositories.map((r) => [r.slug, bare(r.uuid)])),
  };
}
