/**
 * What a repository asks of IAM: its answers give the names (provider, roles, audience), its IAM JSON
 * files give the documents, since those files are what the user reviewed and may have edited.
 */
import {
  audience,
  ENVIRONMENT_UUID_PLACEHOLDER,
  issuerUrl,
  providerArn,
  REPO_UUID_PLACEHOLDER,
  resolveParams,
} from '../facts/index.js';
import { permissionsFindings, trustFindings, type TrustScope } from '../check/index.js';
import type { SourceFile } from '../iam-eval/index.js';
import { assertNesting } from '../util/index.js';
import type { RepoModel } from '../repo/index.js';
import { UsageError } from '../../errors.js';
import type { DesiredState } from './types.js';

/** IAM's limits on documents, counted without whitespace as IAM counts them. */
export const TRUST_POLICY_LIMIT = 2048;
export const INLINE_POLICY_LIMIT = 10240;

/** The document as IAM will store it: compact JSON. */
export const compact = (doc: unknown) => JSON.stringify(doc);

/** The file's text (which `check`'s findings read) and its document. */
function readPolicy(
  read: (file: string) => string | undefined,
  file: string,
  command: string,
): { text: string; doc: unknown } {
  const text = read(file);
  if (text === undefined)
    throw new UsageError(`${command}: ${file} is missing: run pipelines-oidc update to write it again`);
  if (text.includes(REPO_UUID_PLACEHOLDER)) {
    throw new UsageError(
      `${command}: ${file} still holds ${REPO_UUID_PLACEHOLDER}: set the repository UUID first (pipelines-oidc update --repo-uuid <uuid>)`,
    );
  }
  if (text.includes(ENVIRONMENT_UUID_PLACEHOLDER)) {
    throw new UsageError(
      `${command}: ${file} still holds ${ENVIRONMENT_UUID_PLACEHOLDER}: set the environment's UUID first (pipelines-oidc update --environment <name>=<uuid>)`,
    );
  }
  assertNesting(text, `${command}: ${file}`);
  try {
    return { text, doc: JSON.parse(text) };
  } catch (e) {
    throw new UsageError(`${command}: ${file} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * The same errors `check` reports would become live IAM: a role any repository of the workspace may
 * assume, an audience IAM never sees. Those files are refused, not applied.
 */
function assertSafe(trust: SourceFile, permissions: SourceFile, scope: TrustScope, command: string): void {
  const findings = [...trustFindings(trust, scope), ...permissionsFindings(permissions)];
  const error = findings.find((f) => f.severity === 'error');
  if (error)
    throw new UsageError(
      `${command}: ${error.file}: ${error.id}: ${error.message} (fix it, or see pipelines-oidc check)`,
    );
}

export function desiredState(
  model: RepoModel,
  read: (file: string) => string | undefined,
  options: { command: string; thumbprint?: string },
): DesiredState {
  const { values } = model;
  const roles = model.roles.map((role) => {
    const trust = readPolicy(read, role.trustFile, options.command);
    const inline = readPolicy(read, role.permissionsFile, options.command);
    assertSafe(
      { file: role.trustFile, text: trust.text },
      { file: role.permissionsFile, text: inline.text },
      { account: values.account, workspace: values.workspace },
      options.command,
    );
    if (compact(trust.doc).length > TRUST_POLICY_LIMIT) {
      throw new UsageError(
        `${options.command}: ${role.trustFile} is longer than IAM's ${TRUST_POLICY_LIMIT} characters for a trust policy`,
      );
    }
    if (compact(inline.doc).length > INLINE_POLICY_LIMIT) {
      throw new UsageError(
        `${options.command}: ${role.permissionsFile} is longer than IAM's ${INLINE_POLICY_LIMIT} characters for a role's inline policies`,
      );
    }
    return {
      name: resolveParams(role.name, values),
      arn: role.concreteArn,
      ...(role.environment ? { environment: role.environment } : {}),
      description: role.description,
      trustPolicy: trust.doc,
      trustFile: role.trustFile,
      policyName: role.policyName,
      permissions: inline.doc,
      permissionsFile: role.permissionsFile,
      maxSessionDuration: model.sessionSeconds,
    };
  });
  return {
    account: values.account,
    partition: values.partition,
    region: values.region,
    provider: {
      url: issuerUrl(values.workspace),
      arn: providerArn(values.partition, values.account, values.workspace),
      audience: audience(values.workspaceUuid),
      ...(options.thumbprint ? { thumbprint: options.thumbprint.toLowerCase() } : {}),
    },
    roles,
    repositoryVariables: model.repositoryVariables,
    deploymentVariables: model.deploymentVariables,
  };
}
