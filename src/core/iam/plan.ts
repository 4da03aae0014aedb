/**
 * The calls that make the account match the repository, computed before any is made. Only additions
 * and updates: `apply` never deletes, never detaches, and never touches what it does not manage.
 */
import { hostPathOf, MANAGED_TAG, samePolicy } from '../facts/index.js';
import { compact } from './desired.js';
import type { DesiredState, ObservedState } from './types.js';

export type Step =
  | { kind: 'create-provider'; url: string; clientIds: string[]; thumbprints: string[] }
  | { kind: 'add-client-id'; providerArn: string; clientId: string }
  | { kind: 'set-thumbprints'; providerArn: string; thumbprints: string[] }
  | {
      kind: 'create-role';
      role: string;
      trustPolicy: string;
      description: string;
      maxSessionDuration: number;
      file: string;
    }
  | { kind: 'update-trust'; role: string; trustPolicy: string; before: string; file: string }
  | { kind: 'set-max-session'; role: string; maxSessionDuration: number; before: number }
  | { kind: 'put-policy'; role: string; policyName: string; document: string; before?: string; file: string };

/** The IAM action each step calls: what a denied call is missing. */
export const STEP_ACTION: Record<Step['kind'], string> = {
  'create-provider': 'iam:CreateOpenIDConnectProvider',
  'add-client-id': 'iam:AddClientIDToOpenIDConnectProvider',
  'set-thumbprints': 'iam:UpdateOpenIDConnectProviderThumbprint',
  'create-role': 'iam:CreateRole',
  'update-trust': 'iam:UpdateAssumeRolePolicy',
  'set-max-session': 'iam:UpdateRole',
  'put-policy': 'iam:PutRolePolicy',
};

/** IAM keeps at most five thumbprints per provider. */
const MAX_THUMBPRINTS = 5;

/** Pretty JSON for showing a policy, and for diffing two. */
export const shown = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;

export interface Plan {
  steps: Step[];
  /** What apply leaves alone but the user should know: broad attached policies, roles it did not create. */
  notes: string[];
}

export function planChanges(desired: DesiredState, observed: ObservedState): Plan {
  const steps: Step[] = [];
  const notes: string[] = [];
  const { provider } = desired;
  const live = observed.provider;
  if (!live) {
    steps.push({
      kind: 'create-provider',
      url: provider.url,
      clientIds: [provider.audience],
      thumbprints: provider.thumbprint ? [provider.thumbprint] : [],
    });
  } else {
    if (!live.clientIds.includes(provider.audience))
      steps.push({ kind: 'add-client-id', providerArn: live.arn, clientId: provider.audience });
    if (provider.thumbprint && !live.thumbprints.includes(provider.thumbprint)) {
      if (live.thumbprints.length >= MAX_THUMBPRINTS)
        notes.push(
          `the provider already has ${MAX_THUMBPRINTS} thumbprints, IAM's maximum: --thumbprint ${provider.thumbprint} not added`,
        );
      else
        steps.push({
          kind: 'set-thumbprints',
          providerArn: live.arn,
          thumbprints: [...live.thumbprints, provider.thumbprint],
        });
    }
  }

  for (const role of desired.roles) {
    const current = observed.roles[role.name];
    const document = compact(role.permissions);
    if (!current) {
      steps.push({
        kind: 'create-role',
        role: role.name,
        trustPolicy: compact(role.trustPolicy),
        description: role.description,
        maxSessionDuration: role.maxSessionDuration,
        file: role.trustFile,
      });
      steps.push({
        kind: 'put-policy',
        role: role.name,
        policyName: role.policyName,
        document,
        file: role.permissionsFile,
      });
      continue;
    }
    if (current.tags[MANAGED_TAG.Key] !== MANAGED_TAG.Value)
      notes.push(`role ${role.name} exists and was not created by pipelines-oidc: apply updates it in place`);
    if (!samePolicy(current.trustPolicy, role.trustPolicy)) {
      steps.push({
        kind: 'update-trust',
        role: role.name,
        trustPolicy: compact(role.trustPolicy),
        before: shown(current.trustPolicy),
        file: role.trustFile,
      });
    }
    if (current.maxSessionDuration !== role.maxSessionDuration) {
      steps.push({
        kind: 'set-max-session',
        role: role.name,
        maxSessionDuration: role.maxSessionDuration,
        before: current.maxSessionDuration,
      });
    }
    if (current.permissions === undefined || !samePolicy(current.permissions, role.permissions)) {
      steps.push({
        kind: 'put-policy',
        role: role.name,
        policyName: role.policyName,
        document,
        ...(current.permissions === undefined ? {} : { before: shown(current.permissions) }),
        file: role.permissionsFile,
      });
    }
    for (const p of current.attached)
      notes.push(
        `role ${role.name} has the managed policy ${p.name} attached: apply never detaches policies; if the pipeline does not need it: aws iam detach-role-policy --role-name ${role.name} --policy-arn ${p.arn}`,
      );
    for (const name of current.inlinePolicyNames.filter((n) => n !== role.policyName)) {
      notes.push(
        `role ${role.name} has another inline policy, ${name}: apply leaves it; if the pipeline does not need it: aws iam delete-role-policy --role-name ${role.name} --policy-name ${name}`,
      );
    }
  }
  return { steps, notes };
}

/** One line per step, for the plan and the progress. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'create-provider':
      return `create the OIDC provider ${hostPathOf(step.url)} (audience ${step.clientIds.join(', ')})`;
    case 'add-client-id':
      return `add the audience ${step.clientId} to the existing OIDC provider`;
    case 'set-thumbprints':
      return `set the provider's thumbprints to ${step.thumbprints.join(', ')}`;
    case 'create-role':
      return `create the role ${step.role} trusting ${step.file}`;
    case 'update-trust':
      return `replace the trust policy of ${step.role} with ${step.file}`;
    case 'set-max-session':
      return `set the maximum session of ${step.role} to ${step.maxSessionDuration} s (now ${step.before} s)`;
    case 'put-policy':
      return `${step.before === undefined ? 'add' : 'replace'} the inline policy ${step.policyName} of ${step.role} with ${step.file}`;
  }
}
