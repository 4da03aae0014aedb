/** Reads what Bitbucket holds for one repository: the observed state the planner and doctor compare with. */
import { bare, type ObservedBitbucket, type ObservedVariable } from '../../core/bitbucket-setup/index.js';
import { uuid } from '../../core/answers/index.js';
import { UsageError } from '../../errors.js';
import * as api from './api.js';
import { BitbucketApiError, type BitbucketClient } from './client.js';
import { defaultGitRemote, gitRemote } from './hosts.js';

const variable = (v: api.ApiVariable): ObservedVariable => ({
  uuid: v.uuid,
  key: v.key,
  secured: Boolean(v.secured),
  ...(v.value === undefined ? {} : { value: v.value }),
});

/** A repository as the setup keeps it: its UUID and its HTTPS clone link as Bitbucket gave it (see pushRemote). */
export function observedRepository(repository: api.ApiRepository): NonNullable<ObservedBitbucket['repository']> {
  const https = repository.links?.clone?.find((l) => l.name === 'https')?.href;
  return { uuid: bare(repository.uuid), ...(https === undefined ? {} : { httpsUrl: https }) };
}

/**
 * The URL to push `workspace/slug` to with the token: its clone link when that leads to Bitbucket's git
 * host (./hosts.ts), else an error before git runs; without a link, the git host's usual URL.
 */
export function pushRemote(
  client: BitbucketClient,
  repository: ObservedBitbucket['repository'],
  workspace: string,
  slug: string,
): string {
  return repository?.httpsUrl === undefined
    ? defaultGitRemote(client.baseUrl, workspace, slug)
    : gitRemote(client.baseUrl, repository.httpsUrl, `${workspace}/${slug}`);
}

/** The workspace's UUID; `given` stands in when the token may not read the workspace (a repository access token). */
export async function workspaceUuid(client: BitbucketClient, workspace: string, given?: string): Promise<string> {
  let ws;
  try {
    ws = await api.getWorkspace(client, workspace);
  } catch (e) {
    const flag = given === undefined ? undefined : uuid(given);
    if (flag && 'value' in flag && e instanceof BitbucketApiError && e.status === 403) return flag.value;
    throw e;
  }
  if (!ws)
    throw new UsageError(`--workspace ${workspace}: Bitbucket knows no such workspace (or the token cannot see it)`);
  return bare(ws.uuid);
}

/** The repository and everything the setup touches in it; environment names are those the repository asks for. */
export async function readBitbucket(
  client: BitbucketClient,
  workspace: string,
  slug: string,
  environmentNames: string[],
  givenWorkspaceUuid?: string,
): Promise<ObservedBitbucket> {
  const [wsUuid, repository] = await Promise.all([
    workspaceUuid(client, workspace, givenWorkspaceUuid),
    api.getRepository(client, workspace, slug),
  ]);
  const observed: ObservedBitbucket = {
    workspaceUuid: wsUuid,
    pipelinesEnabled: false,
    repositoryVariables: [],
    environments: [],
    deploymentVariables: {},
  };
  if (!repository) return observed;
  observed.repository = observedRepository(repository);
  const [config, environments] = await Promise.all([
    api.getPipelinesConfig(client, workspace, slug),
    api.listEnvironments(client, workspace, slug),
  ]);
  observed.pipelinesEnabled = Boolean(config?.enabled);
  observed.environments = environments.map((e) => ({
    uuid: bare(e.uuid),
    name: e.name,
    ...(e.environment_type?.name ? { type: e.environment_type.name } : {}),
  }));
  // variables can be listed only once Pipelines is enabled
  if (observed.pipelinesEnabled)
    observed.repositoryVariables = (await api.listVariables(client, workspace, slug)).map(variable);
  const wanted = observed.environments.filter((e) =>
    environmentNames.some((n) => n.toLowerCase() === e.name.toLowerCase()),
  );
  const lists = await Promise.all(
    wanted.map((e) => api.listDeploymentVariables(client, workspace, slug, `{${e.uuid}}`)),
  );
  wanted.forEach(
    (e, i) =>
      (observed.deploymentVariables[environmentNames.find((n) => n.toLowerCase() === e.name.toLowerCase())!] =
        lists[i]!.map(variable)),
  );
  return observed;
}
