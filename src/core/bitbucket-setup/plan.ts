/**
 * Desired Bitbucket state against observed → the changes to make, in the order Bitbucket needs them
 * (the repository, then Pipelines, before any variable; an environment before its variables). Only
 * additions and in-place updates: nothing is ever deleted, and a secured variable is never overwritten.
 */
import type {
  BitbucketPlan,
  Change,
  DesiredBitbucket,
  EnvironmentType,
  ObservedBitbucket,
  ObservedVariable,
  Variable,
} from './types.js';
import type { RepoModel } from '../repo/index.js';
import { parseEnvironments } from '../answers/index.js';

/** The type Bitbucket gives a new environment, from its name: `production`/`prod…` → Production, and so on. */
export function environmentType(name: string): EnvironmentType {
  if (/^prod/.test(name)) return 'Production';
  if (/^(stag|pre-?prod|uat)/.test(name)) return 'Staging';
  return 'Test';
}

/** What a repository of ours needs in Bitbucket: its environments, and the variables its steps read. */
export function desiredBitbucket(
  model: RepoModel,
  where: { workspace: string; slug: string; project?: string },
): DesiredBitbucket {
  return {
    ...where,
    environments: parseEnvironments(model.answers.environments).map((e) => ({
      name: e.name,
      type: environmentType(e.name),
    })),
    repositoryVariables: model.repositoryVariables,
    deploymentVariables: model.deploymentVariables,
  };
}

function variableChanges(wanted: Variable[], live: ObservedVariable[], where: string, notes: string[]) {
  const creates: Variable[] = [];
  const updates: Array<Variable & { uuid: string; before: string }> = [];
  for (const v of wanted) {
    const existing = live.find((l) => l.key === v.name);
    if (!existing) creates.push(v);
    else if (existing.secured)
      notes.push(
        `${v.name} (${where}) is a secured variable: its value cannot be read and is left as it is; it must be ${v.value}`,
      );
    else if (existing.value !== v.value) updates.push({ ...v, uuid: existing.uuid, before: existing.value ?? '' });
  }
  return { creates, updates };
}

export function planBitbucket(desired: DesiredBitbucket, observed: ObservedBitbucket): BitbucketPlan {
  const changes: Change[] = [];
  const notes: string[] = [];
  if (!observed.repository)
    changes.push({
      kind: 'create-repository',
      workspace: desired.workspace,
      slug: desired.slug,
      ...(desired.project ? { project: desired.project } : {}),
    });
  if (!observed.pipelinesEnabled) changes.push({ kind: 'enable-pipelines' });
  for (const env of desired.environments) {
    const live = observed.environments.find((e) => e.name.toLowerCase() === env.name.toLowerCase());
    if (!live) changes.push({ kind: 'create-environment', name: env.name, type: env.type });
    else if (live.type && live.type !== env.type)
      notes.push(`environment ${env.name} exists with type ${live.type} (left as it is; new ones get ${env.type})`);
  }
  const repo = variableChanges(desired.repositoryVariables, observed.repositoryVariables, 'repository variable', notes);
  for (const v of repo.creates) changes.push({ kind: 'create-variable', key: v.name, value: v.value });
  for (const v of repo.updates)
    changes.push({ kind: 'update-variable', uuid: v.uuid, key: v.name, value: v.value, before: v.before });
  for (const env of desired.environments) {
    const wanted = desired.deploymentVariables.filter((v) => v.environment === env.name);
    const live = observed.deploymentVariables[env.name] ?? [];
    const d = variableChanges(wanted, live, `deployment variable of ${env.name}`, notes);
    for (const v of d.creates)
      changes.push({ kind: 'create-deployment-variable', environment: env.name, key: v.name, value: v.value });
    for (const v of d.updates)
      changes.push({
        kind: 'update-deployment-variable',
        environment: env.name,
        uuid: v.uuid,
        key: v.name,
        value: v.value,
        before: v.before,
      });
  }
  return { changes, notes };
}

/** One line per change, as the plan shows it. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'create-repository':
      return `create private repository ${change.workspace}/${change.slug}${change.project ? ` in project ${change.project}` : ''}`;
    case 'enable-pipelines':
      return 'enable Pipelines';
    case 'create-environment':
      return `create deployment environment ${change.name} (${change.type})`;
    case 'create-variable':
      return `add repository variable ${change.key} = ${change.value}`;
    case 'update-variable':
      return `set repository variable ${change.key} = ${change.value} (was ${change.before || 'empty'})`;
    case 'create-deployment-variable':
      return `add deployment variable ${change.key} = ${change.value} (environment ${change.environment})`;
    case 'update-deployment-variable':
      return `set deployment variable ${change.key} = ${change.value} (environment ${change.environment}; was ${change.before || 'empty'})`;
  }
}
