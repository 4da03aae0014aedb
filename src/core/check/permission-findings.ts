/**
 * `policy.missing-permission`: a step runs an AWS CLI command whose IAM action the inline policy of the
 * role it assumes does not allow (CLI_PERMISSIONS says which actions each command calls). The step's role
 * is the one of its deployment environment (`iam/<environment>/inline-policy.json`), else the repository's.
 */
import { isMap, isScalar, type Node, type YAMLMap } from 'yaml';
import { wildcardMatch } from '../wildcard.js';
import { cliPermissionsOf } from './cli-permissions.js';
import { isObject } from '../json.js';
import { inlinePolicyPath } from '../repository-files.js';
import type { RepositorySource } from './drift.js';
import { hit, type FileHit } from './report.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export interface RolePolicy {
  file: string;
  policy: unknown;
}

const list = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Whether some Allow statement names the action (wildcards included; resources are not judged here). */
function allowsAction(policy: unknown, action: string): boolean {
  const statements = isObject(policy)
    ? (Array.isArray(policy['Statement']) ? policy['Statement'] : [policy['Statement']]).filter(isObject)
    : [];
  return statements.some(
    (s) => s['Effect'] === 'Allow' && list(s['Action']).some((a) => wildcardMatch(a, action, { ignoreCase: true })),
  );
}

interface Step {
  map: YAMLMap;
  environment?: string;
}

function stepsIn(src: YamlSource, node: Node | null | undefined, environment?: string): Step[] {
  return (src.seq(node)?.items ?? []).flatMap((item): Step[] => {
    const map = src.map(item as Node);
    if (!map) return [];
    const step = src.map(src.get(map, 'step')?.value);
    if (step) {
      const own = src.deref(src.get(step, 'deployment')?.value);
      const env = isScalar(own) && typeof own.value === 'string' ? own.value : environment;
      return [{ map: step, ...(env ? { environment: env } : {}) }];
    }
    const stage = src.map(src.get(map, 'stage')?.value);
    if (stage) {
      const dep = src.deref(src.get(stage, 'deployment')?.value);
      return stepsIn(
        src,
        src.get(stage, 'steps')?.value,
        isScalar(dep) && typeof dep.value === 'string' ? dep.value : environment,
      );
    }
    const parallel = src.deref(src.get(map, 'parallel')?.value);
    return stepsIn(src, isMap(parallel) ? src.get(parallel, 'steps')?.value : parallel, environment);
  });
}

/** The inline policy of the role a step assumes: its environment's, else the repository's. */
function policyOf(repo: RepositorySource, environment: string | undefined): RolePolicy | undefined {
  const generated = repo.model?.roles.find((r) => r.environment === environment)?.permissionsFile;
  const file =
    generated ??
    [environment && inlinePolicyPath(environment), inlinePolicyPath()].find((f) => f && repo.read(f) !== undefined);
  const policy = file ? repo.read(file) : undefined;
  return file && policy !== undefined ? { file, policy } : undefined;
}

export function missingPermission(repo: RepositorySource): FileHit[] {
  const pipeline = repo.pipeline;
  if (!pipeline) return [];
  const policyFor = (environment: string | undefined) => policyOf(repo, environment);
  const src = parseYamlSource(pipeline.text);
  const root = src.map(src.doc.contents as Node | null);
  const pipelines = src.map(src.get(root, 'pipelines')?.value);
  if (src.errors.length || !pipelines) return [];
  const findings: FileHit[] = [];
  for (const kind of src.entries(pipelines)) {
    const groups =
      kind.key === 'default'
        ? [kind.value]
        : (src.map(kind.value) ? src.entries(src.map(kind.value)!) : []).map((e) => e.value);
    for (const step of groups.flatMap((g) => stepsIn(src, g))) {
      const role = policyFor(step.environment);
      if (!role) continue;
      for (const item of src.seq(src.get(step.map, 'script')?.value)?.items ?? []) {
        const node = src.deref(item as Node);
        if (!isScalar(node) || typeof node.value !== 'string') continue;
        for (const call of cliPermissionsOf(node.value)) {
          const missing = call.actions.filter((a) => !allowsAction(role.policy, a));
          if (!missing.length) continue;
          findings.push({
            file: pipeline.file,
            ...hit(
              src.line(node),
              `\`${call.command}\` calls ${missing.join(', ')}, which ${role.file} (the role this step assumes${step.environment ? ` in ${step.environment}` : ''}) does not allow: the step fails with AccessDenied`,
              `Allow ${missing.join(', ')} on the resources this step uses in ${role.file} (on a generated repository, the rehearse command shows each call with its resource: it is a diagnosis, not a fix).`,
            ),
          });
        }
      }
    }
  }
  return findings;
}
