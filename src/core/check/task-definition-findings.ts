/**
 * `policy.ecs-tag-resource`: ECS authorizes the tags of a new task definition revision as
 * `ecs:TagResource`, so a role allowed `ecs:RegisterTaskDefinition` but not that action cannot register a
 * task definition file with `tags`.
 */
import type { RepositorySource } from './drift.js';
import { actionStatements, hit, statementAllows, type FileHit } from '../iam-eval/index.js';

const allowsAction = (policy: unknown, action: string) =>
  actionStatements(policy).some((s) => statementAllows(s, action));

/** The line of the file's `"tags"` key, 1-based. */
const tagsLine = (text: string) => text.slice(0, Math.max(0, text.search(/"tags"\s*:/))).split('\n').length;

export function taggedTaskDefinition(repo: RepositorySource): FileHit[] {
  const registering = (repo.permissionFiles ?? []).filter((file) => {
    const policy = repo.read(file);
    return allowsAction(policy, 'ecs:RegisterTaskDefinition') && !allowsAction(policy, 'ecs:TagResource');
  });
  if (!registering.length) return [];
  return (repo.taskDefinitions ?? []).flatMap((f) => {
    let tags: unknown;
    try {
      tags = (JSON.parse(f.text) as { tags?: unknown }).tags;
    } catch {
      return [];
    }
    if (!Array.isArray(tags) || !tags.length) return [];
    return [
      {
        file: f.file,
        ...hit(
          tagsLine(f.text),
          `${f.file} has tags, which ECS authorizes as ecs:TagResource when the revision is registered; ${registering.join(', ')} may register task definitions but not tag them: the registration is refused`,
          `Allow ecs:TagResource on the task definition family with the condition "ecs:CreateAction": "RegisterTaskDefinition" in ${registering.join(', ')}, or drop the file's tags.`,
        ),
      },
    ];
  });
}
