/**
 * `policy.missing-permission`: a step runs an AWS CLI command whose IAM action the inline policy of the
 * role it assumes does not allow (CLI_PERMISSIONS says which actions each command calls). The step's role
 * is the one of its deployment environment (`iam/<environment>/inline-policy.json`), else the repository's.
 */
import { isScalar, type Node } from 'yaml';
import { walkSteps } from '../repo/index.js';
import { cliPermissionsOf } from './cli-permissions.js';
import type { RepositorySource } from './drift.js';
import { rolePolicyOf } from './step-roles.js';
import { actionStatements, hit, statementAllows, type FileHit } from '../iam-eval/index.js';
import { parseYamlSource, yamlDocument } from './yaml-source.js';

/** Whether some Allow statement names the action (wildcards included; resources are not judged here). */
const allowsAction = (policy: unknown, action: string) =>
  actionStatements(policy).some((s) => statementAllows(s, action));

export function missingPermission(repo: RepositorySource): FileHit[] {
  const pipeline = repo.pipeline;
  if (!pipeline) return [];
  const policyFor = (environment: string | undefined) => rolePolicyOf(repo, environment);
  const src = parseYamlSource(pipeline.text);
  if (src.errors.length) return [];
  const findings: FileHit[] = [];
  for (const step of walkSteps(src.doc.contents as Node | null, yamlDocument(src))) {
    const role = policyFor(step.deployment);
    if (!role) continue;
    for (const item of src.seq(src.get(src.map(step.step), 'script')?.value)?.items ?? []) {
      const node = src.deref(item as Node);
      if (!isScalar(node) || typeof node.value !== 'string') continue;
      for (const call of cliPermissionsOf(node.value)) {
        const missing = call.actions.filter((a) => !allowsAction(role.policy, a));
        if (!missing.length) continue;
        findings.push({
          file: pipeline.file,
          ...hit(
            src.line(node),
            `\`${call.command}\` calls ${missing.join(', ')}, which ${role.file} (the role this step assumes${step.deployment ? ` in ${step.deployment}` : ''}) does not allow: the step fails with AccessDenied`,
            `Allow ${missing.join(', ')} on the resources this step uses in ${role.file} (on a generated repository, the rehearse command shows each call with its resource: it is a diagnosis, not a fix).`,
          ),
        });
      }
    }
  }
  return findings;
}
