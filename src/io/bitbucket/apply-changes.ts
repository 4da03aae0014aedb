/**
 * Makes the planned Bitbucket changes one at a time, in plan order. A failure stops the run and says how
 * many were made: the next run reads Bitbucket again and plans only what is still missing.
 */
import {
  bare,
  describeChange,
  type BitbucketPlan,
  type Change,
  type ObservedBitbucket,
} from '../../core/bitbucket-setup/index.js';
import { CliError, RunError } from '../../errors.js';
import type { Progress } from '../progress.js';
import * as api from './api.js';
import type { BitbucketClient } from './client.js';
import { observedRepository } from './state.js';

/** The observed state, updated with what each change created (the repository's and environments' UUIDs). */
export async function applyChanges(
  client: BitbucketClient,
  where: { workspace: string; slug: string },
  plan: BitbucketPlan,
  observed: ObservedBitbucket,
  show: Progress,
  rerun: string,
): Promise<ObservedBitbucket> {
  const state: ObservedBitbucket = structuredClone(observed);
  const { workspace, slug } = where;
  const envUuid = (name: string) =>
    `{${state.environments.find((e) => e.name.toLowerCase() === name.toLowerCase())!.uuid}}`;
  const make = async (change: Change): Promise<void> => {
    switch (change.kind) {
      case 'create-repository': {
        const repo = await api.createRepository(client, workspace, slug, change.project);
        state.repository = observedRepository(repo);
        return;
      }
      case 'enable-pipelines':
        await api.enablePipelines(client, workspace, slug);
        state.pipelinesEnabled = true;
        return;
      case 'create-environment': {
        const env = await api.createEnvironment(client, workspace, slug, change.name, change.type);
        state.environments.push({ uuid: bare(env.uuid), name: env.name, type: change.type });
        return;
      }
      case 'create-variable':
        await api.createVariable(client, workspace, slug, change.key, change.value);
        return;
      case 'update-variable':
        await api.updateVariable(client, workspace, slug, change.uuid, change.key, change.value);
        return;
      case 'create-deployment-variable':
        await api.createDeploymentVariable(
          client,
          workspace,
          slug,
          envUuid(change.environment),
          change.key,
          change.value,
        );
        return;
      case 'update-deployment-variable':
        await api.updateDeploymentVariable(
          client,
          workspace,
          slug,
          envUuid(change.environment),
          change.uuid,
          change.key,
          change.value,
        );
        return;
    }
  };
  let done = 0;
  for (const change of plan.changes) {
    try {
      await show.step(describeChange(change), () => make(change));
      done++;
    } catch (e) {
      const message = e instanceof CliError ? e.message : String(e);
      throw new RunError(
        `${message} (${done} of ${plan.changes.length} Bitbucket changes made; ${rerun}: it starts from what exists now)`,
      );
    }
  }
  return state;
}
