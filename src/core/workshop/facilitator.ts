/**
 * The facilitator's folder as data: every attendee's role at once (rendered as Terraform, CloudFormation
 * and SUMMARY.md by render/workshop-facilitator.ts) and the state workshop.json records. Built from the
 * same RepoModel roles the attendees' repositories are rendered from (their concrete policies), so the
 * facilitator's IaC and an attendee's iam/*.json cannot disagree. Exercise repositories are broken on
 * purpose; the roles here are always the working ones. Pure.
 */
import { concretePolicies } from '../repo/index.js';
import { ENVIRONMENT_UUID_PLACEHOLDER, REPO_UUID_PLACEHOLDER, resolveParams } from '../facts/index.js';
import type { Json } from '../util/index.js';
import { partitionOf } from '../answers/index.js';
import type { WorkshopEntry } from './plan.js';
import type { WorkshopState } from './types.js';

export interface WorkshopRole {
  entry: WorkshopEntry;
  environment?: string;
  name: string;
  arn: string;
  description: string;
  policyName: string;
  trustPolicy: Json;
  permissions: Json;
  /** Terraform resource label and CloudFormation logical ID: unique in the workshop. */
  label: string;
  logicalId: string;
  /** Why the role trusts no pipeline yet (its repository's or environment's UUID is not set), if it does not. */
  trustsNoPipeline?: string;
}

export interface WorkshopView {
  version: string;
  workspace: string;
  account: string;
  region: string;
  partition: string;
  provider: { url: string; arn: string; clientIds: string[] };
  entries: WorkshopEntry[];
  roles: WorkshopRole[];
}

/** `base`, else `base_2`, `base_3`, …: repository slugs map onto identifiers with collisions (`a.b`, `a-b`). */
function uniqueName(base: string, taken: Set<string>, join: string): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}${join}${n}`;
  taken.add(name);
  return name;
}

const pascal = (s: string) =>
  s.replace(/(?:^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');

export function workshopView(entries: WorkshopEntry[], version: string): WorkshopView {
  const first = entries[0];
  if (!first) throw new Error('a workshop needs at least one attendee');
  const { answers, values, provider } = first.model;
  const labels = new Set<string>();
  const logicalIds = new Set<string>(['BitbucketOidcProvider']);
  const roles = entries.flatMap((entry) =>
    entry.model.roles.map((role): WorkshopRole => {
      const concrete = concretePolicies(entry.model, role);
      const trust = JSON.stringify(concrete.trustPolicy);
      const unset = trust.includes(REPO_UUID_PLACEHOLDER)
        ? `the repository UUID of ${entry.attendee.repo} is not set`
        : trust.includes(ENVIRONMENT_UUID_PLACEHOLDER)
          ? `the UUID of ${entry.attendee.repo}'s ${role.environment} environment is not set`
          : undefined;
      const stem = `${entry.attendee.repo}${role.environment ? `__${role.key}` : ''}`.replace(/[^a-z0-9_]/g, '_');
      return {
        entry,
        environment: role.environment,
        name: resolveParams(role.name, entry.model.values),
        arn: role.concreteArn,
        description: role.description,
        policyName: role.policyName,
        trustPolicy: concrete.trustPolicy,
        permissions: concrete.permissions,
        label: uniqueName(/^[a-z_]/.test(stem) ? stem : `r_${stem}`, labels, '_'),
        logicalId: uniqueName(`Role${pascal(entry.attendee.repo)}${pascal(role.environment ?? '')}`, logicalIds, ''),
        ...(unset ? { trustsNoPipeline: unset } : {}),
      };
    }),
  );
  return {
    version,
    workspace: answers.workspace,
    account: answers.account,
    region: answers.region,
    partition: partitionOf(answers.region),
    provider: {
      url: resolveParams(provider.url, values),
      arn: resolveParams(provider.arn, values),
      clientIds: provider.clientIds.map((c) => resolveParams(c, values)),
    },
    entries,
    roles,
  };
}

export function workshopState(view: WorkshopView): WorkshopState {
  return {
    tool: 'pipelines-oidc',
    version: view.version,
    attendees: view.entries.map((e) => ({
      attendee: e.attendee.attendee,
      repo: e.attendee.repo,
      exercise: e.exercise?.id ?? null,
      roleName: e.attendee.roleName,
      roleArn: e.model.roles[0]!.concreteArn,
    })),
  };
}
