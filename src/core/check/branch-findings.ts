/** `trust.any-branch`: a role that deploys and that a step of any branch can assume. */
import { subScope } from '../facts/index.js';
import { ANY_BRANCH_ADVICE } from '../repo/index.js';
import { isObject } from '../util/index.js';
import type { RepositorySource } from './drift.js';
import { hit, policyStatements, type FileHit } from '../iam-eval/index.js';
import { canChangeResources } from './step-roles.js';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** The `sub` patterns a statement's conditions test, under any operator. */
function subPatterns(statement: Record<string, unknown>): string[] {
  const conditions = isObject(statement['Condition']) ? Object.values(statement['Condition']) : [];
  return conditions.flatMap((c) =>
    isObject(c)
      ? Object.entries(c)
          .filter(([key]) => /:sub$/i.test(key))
          .flatMap(([, v]) => list(v).filter((x): x is string => typeof x === 'string'))
      : [],
  );
}

/** Some statement admits a step without a deployment environment: no `sub` pattern, or one without it. */
function admitsEveryStep(trust: unknown): boolean {
  return policyStatements(trust).some((s) => {
    if (s['Effect'] !== 'Allow') return false;
    const patterns = subPatterns(s);
    return !patterns.length || patterns.some((p) => !subScope(p).environmentUuid);
  });
}

const folderOf = (file: string) => file.slice(0, file.lastIndexOf('/') + 1);

/** Each trust policy beside an inline policy of its folder: the role's two documents. */
export function anyBranch(repo: RepositorySource): FileHit[] {
  return (repo.trustFiles ?? []).flatMap((trustFile) => {
    const permissions = (repo.permissionFiles ?? []).filter((f) => folderOf(f) === folderOf(trustFile));
    const deploys = permissions.some((f) => canChangeResources(repo.read(f)));
    if (!deploys || !admitsEveryStep(repo.read(trustFile))) return [];
    return [{ file: trustFile, ...hit(undefined, ANY_BRANCH_ADVICE.message, ANY_BRANCH_ADVICE.fix, 'warning') }];
  });
}
