/**
 * `update` with Bitbucket credentials: the repository's and its environments' UUIDs that the manifest does
 * not hold yet come from Bitbucket, so `update` alone closes the trust once the repository exists. Values
 * the manifest holds are kept (doctor reports a difference); a flag that differs from Bitbucket is exit 2.
 */
import { type Answers, parseEnvironments } from '../core/answers/index.js';
import { reconcile } from '../core/bitbucket-setup/index.js';
import { readBitbucket } from '../io/bitbucket/state.js';
import type { BitbucketSession } from './bitbucket-session.js';

export async function lookUpForUpdate(
  answers: Answers,
  flags: Record<string, string | undefined>,
  session: BitbucketSession,
): Promise<Record<string, string | undefined>> {
  const given = (flags['environments'] ?? '').split(',').filter(Boolean);
  const recorded = parseEnvironments(answers.environments ?? '');
  const names = [...new Set([...recorded.map((e) => e.name), ...given.map((e) => e.split('=')[0]!)])];
  const observed = await readBitbucket(
    session.client,
    answers.workspace,
    answers.name,
    names,
    flags['workspaceUuid'] ?? answers.workspaceUuid,
  );
  const out = { ...flags };
  reconcile('workspace-uuid', flags['workspaceUuid'], observed.workspaceUuid, `workspace ${answers.workspace}`);
  const repoUuid = reconcile(
    'repo-uuid',
    flags['repoUuid'],
    observed.repository?.uuid,
    `repository ${answers.workspace}/${answers.name}`,
  );
  if (flags['repoUuid'] !== undefined || !answers.repoUuid) {
    if (repoUuid) out['repoUuid'] = repoUuid;
  }
  const live = (name: string) => observed.environments.find((e) => e.name.toLowerCase() === name.toLowerCase())?.uuid;
  const environments = given.map((item) => {
    const [name, uuid] = item.split('=') as [string, string | undefined];
    const checked = reconcile('environment', uuid, live(name), `environment ${name}`);
    return checked ? `${name}=${checked}` : name;
  });
  for (const e of recorded)
    if (!e.uuid && live(e.name) && !given.some((g) => g.split('=')[0] === e.name))
      environments.push(`${e.name}=${live(e.name)}`);
  if (environments.length) out['environments'] = environments.join(',');
  return out;
}
