/**
 * Task definition files against the roles that register them: `policy.ecs-tag-resource` (ECS authorizes the
 * tags of a new revision as `ecs:TagResource`), `policy.ecs-privileged` (a privileged container gets root on
 * the container host), `policy.ecs-pass-role` (a role named in the file must be passed by the registering role).
 */
import type { RepositorySource } from './drift.js';
import {
  actionStatements,
  evaluateIdentity,
  hit,
  policyStatements,
  statementAllows,
  type FileHit,
  type SourceFile,
} from '../iam-eval/index.js';

const allowsAction = (policy: unknown, action: string) =>
  actionStatements(policy).some((s) => statementAllows(s, action));

/** The line of the file's first `"<key>"` key whose value matches, 1-based. */
const keyLine = (text: string, key: string, value = '') => {
  const at = text.search(new RegExp(`"${key}"\\s*:\\s*${value}`));
  return text.slice(0, Math.max(0, at)).split('\n').length;
};

/** The permission files whose role may register task definitions. */
const registering = (repo: RepositorySource) =>
  (repo.permissionFiles ?? []).filter((file) => allowsAction(repo.read(file), 'ecs:RegisterTaskDefinition'));

/** Each task definition file that is JSON, parsed; a file that is not is another rule's concern. */
function parsed(repo: RepositorySource): Array<{ file: SourceFile; json: Record<string, unknown> }> {
  return (repo.taskDefinitions ?? []).flatMap((file) => {
    try {
      const json: unknown = JSON.parse(file.text);
      return json && typeof json === 'object' && !Array.isArray(json)
        ? [{ file, json: json as Record<string, unknown> }]
        : [];
    } catch {
      return [];
    }
  });
}

export function taggedTaskDefinition(repo: RepositorySource): FileHit[] {
  const roles = registering(repo).filter((file) => !allowsAction(repo.read(file), 'ecs:TagResource'));
  if (!roles.length) return [];
  return parsed(repo).flatMap(({ file, json }) => {
    if (!Array.isArray(json['tags']) || !json['tags'].length) return [];
    return [
      {
        file: file.file,
        ...hit(
          keyLine(file.text, 'tags'),
          `${file.file} has tags, which ECS authorizes as ecs:TagResource when the revision is registered; ${roles.join(', ')} may register task definitions but not tag them: the registration is refused`,
          `Allow ecs:TagResource on the task definition family with the condition "ecs:CreateAction": "RegisterTaskDefinition" in ${roles.join(', ')}, or drop the file's tags.`,
        ),
      },
    ];
  });
}

/**
 * Whether a policy refuses a privileged registration it would otherwise allow (`ecs:privileged`), whatever
 * family it names: the file's family need not be the role's, which another finding would tell.
 */
function refusesPrivileged(policy: unknown): boolean {
  const anyResource = {
    Version: '2012-10-17',
    Statement: policyStatements(policy).map(({ NotResource: _, ...s }) => ({ ...s, Resource: '*' })),
  };
  const register = (context: Record<string, string>) =>
    evaluateIdentity([anyResource], { action: 'ecs:RegisterTaskDefinition', resource: '*', context }).allowed;
  return register({}) && !register({ 'ecs:privileged': 'true' });
}

export function privilegedTaskDefinition(repo: RepositorySource): FileHit[] {
  return parsed(repo).flatMap(({ file, json }) => {
    const containers = Array.isArray(json['containerDefinitions']) ? (json['containerDefinitions'] as unknown[]) : [];
    const names = containers.flatMap((c) =>
      c && typeof c === 'object' && (c as Record<string, unknown>)['privileged'] === true
        ? [String((c as Record<string, unknown>)['name'] ?? '(unnamed)')]
        : [],
    );
    if (!names.length) return [];
    const refusing = registering(repo).filter((f) => refusesPrivileged(repo.read(f)));
    const containersNamed = `container${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
    return [
      {
        file: file.file,
        ...hit(
          keyLine(file.text, 'privileged', 'true'),
          `${file.file}: ${containersNamed} run${names.length > 1 ? '' : 's'} privileged, with root on the container host${refusing.length ? `; ${refusing.join(', ')} refuse${refusing.length > 1 ? '' : 's'} to register it (ecs:privileged): the deployment fails` : ''}`,
          'Drop "privileged": true; give the container only the Linux capabilities it needs (linuxParameters.capabilities.add).',
        ),
      },
    ];
  });
}

/** A role of the file the pipeline does not replace with its own `--task-role-arn` / `--execution-role-arn`. */
const ROLE_KEYS = [
  { key: 'taskRoleArn', flag: 'task-role-arn', variable: 'task_role_arn' },
  { key: 'executionRoleArn', flag: 'execution-role-arn', variable: 'execution_role_arn' },
];

export function unpassableRole(repo: RepositorySource): FileHit[] {
  const roles = registering(repo);
  if (!roles.length) return [];
  const script = repo.pipeline?.text ?? '';
  return parsed(repo).flatMap(({ file, json }) =>
    ROLE_KEYS.flatMap(({ key, flag, variable }) => {
      const role = json[key];
      // the generated step sets the variable to the environment's own role, a hand-written one passes an ARN
      const replaced = new RegExp(`\\b${variable}=\\S|--${flag}[ =]["']?arn:`).test(script);
      if (typeof role !== 'string' || !role || replaced) return [];
      const pass = {
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      };
      const refusing = roles.filter((f) => !evaluateIdentity([repo.read(f)], pass).allowed);
      if (!refusing.length) return [];
      return [
        {
          file: file.file,
          ...hit(
            keyLine(file.text, key),
            `${file.file} names ${key} ${role}, which ${refusing.join(', ')} may not pass to ECS tasks (iam:PassRole): registering it is refused`,
            `Allow iam:PassRole on ${role} with the condition "iam:PassedToService": "ecs-tasks.amazonaws.com" in ${refusing.join(', ')}, or name a role it may pass.`,
          ),
        },
      ];
    }),
  );
}
