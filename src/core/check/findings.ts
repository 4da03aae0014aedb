/** Running the rule table: each file through the rules that read its kind, then the repository as a whole. */
import type { RepositorySource } from './drift.js';
import type { IacPolicy } from './iac-policies.js';
import { readPipeline } from './pipeline-findings.js';
import type { SchemaValidator } from './pipeline-schema.js';
import { readPermissionsPolicy, readTrustPolicy } from './policy-findings.js';
import type { TrustScope } from './principal-findings.js';
import type { Hit, SourceFile, UnreadFile } from '../iam-eval/index.js';
import { RULES, type Finding, type RuleChecks } from './rules.js';

type Rule = (typeof RULES)[number];
type FileKind = Exclude<keyof RuleChecks, 'repository' | 'anyFile'>;
type SourceOf<K extends FileKind> = Parameters<NonNullable<RuleChecks[K]>>[0];

const finding = (rule: Rule, file: string, h: Hit): Finding => ({
  id: rule.id,
  severity: h.severity ?? rule.severity,
  file,
  ...(h.line === undefined ? {} : { line: h.line }),
  message: h.message,
  fix: h.fix,
});

/** The findings of every rule that reads this kind of source, in the table's order. */
const run = <K extends FileKind>(kind: K, file: string, source: SourceOf<K>): Finding[] =>
  RULES.flatMap((rule) => {
    const check = (rule.check as RuleChecks)[kind] as ((source: SourceOf<K>) => Hit[]) | undefined;
    return (check?.(source) ?? []).map((h) => finding(rule, file, h));
  });

/** One file's findings from the top down; on one line, in the order the rules ran. */
const fromTheTop = (findings: Finding[]) => inLineOrder(unique(findings));

/** What every file's rules see first: a finding here (an unresolved merge) stands for the whole file. */
const anyFileFindings = (file: SourceFile): Finding[] =>
  RULES.flatMap((rule) => ((rule.check as RuleChecks).anyFile?.(file) ?? []).map((h) => finding(rule, file.file, h)));

/** The file's findings of every file, else those of its kind. */
const orKindFindings = (file: SourceFile, kindFindings: () => Finding[]): Finding[] => {
  const first = anyFileFindings(file);
  return first.length ? first : kindFindings();
};

const fileFindings = <K extends FileKind>(kind: K, file: SourceFile, source: () => SourceOf<K>): Finding[] =>
  orKindFindings(file, () => fromTheTop(run(kind, file.file, source())));

/** Findings of an entry check did not read. */
export const unreadFindings = (entry: UnreadFile): Finding[] => run('unread', entry.file, entry);

/** Findings of bitbucket-pipelines.yml on the day of the check (images age); with Atlassian's schema (compiled) the file is also validated against it. */
export const pipelineFindings = (file: SourceFile, now: Date, schemaValidator?: SchemaValidator): Finding[] =>
  fileFindings('pipeline', file, () => readPipeline(file, now, schemaValidator));

/** Findings of a role's trust policy: grammar, and whether it lets exactly the intended Bitbucket pipelines in. */
export function trustFindings(file: SourceFile, scope: TrustScope = {}): Finding[] {
  return orKindFindings(file, () => {
    const policy = readTrustPolicy(file, scope);
    return fromTheTop([
      ...run('trustPolicy', file.file, policy),
      ...policy.bitbucket.flatMap((statement) => run('trustStatement', file.file, statement)),
    ]);
  });
}

/** Findings of a role's permissions (identity) policy: grammar and broad grants. */
export const permissionsFindings = (file: SourceFile): Finding[] =>
  fileFindings('permissionsPolicy', file, () => readPermissionsPolicy(file));

/**
 * Findings of an IAM policy written in Terraform or CloudFormation: the rules of the JSON files, at the
 * line where it is written. A finding about a part left unresolved is dropped (that part is `iac.unresolved`).
 */
export function iacPolicyFindings(policy: IacPolicy, scope: TrustScope): Finding[] {
  const unresolved = run('iacPolicy', policy.file, policy);
  if ((policy.unresolved.length || policy.unparsed !== undefined) && !isJson(policy.text)) return unresolved;
  const source = { file: policy.file, text: policy.text };
  const judged = (policy.kind === 'trust' ? trustFindings(source, scope) : permissionsFindings(source))
    .filter((f) => !policy.unresolved.some((u) => f.message.includes(u)))
    .map((f) => ({
      ...f,
      ...(policy.line === undefined ? {} : { line: policy.line }),
      message: `${policy.label}: ${f.message}`,
    }));
  return fromTheTop([...unresolved, ...judged]);
}

const isJson = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/** Findings of a Terraform or CloudFormation file. */
export const infrastructureFindings = (file: SourceFile): Finding[] => fileFindings('infrastructure', file, () => file);

/** Findings that compare the repository's files with each other and with its manifest. */
export const repositoryFindings = (repo: RepositorySource): Finding[] =>
  RULES.flatMap((rule) => ((rule.check as RuleChecks).repository?.(repo) ?? []).map((h) => finding(rule, h.file, h)));

export function unique(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.id}\0${f.line ?? ''}\0${f.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** Findings of one file from the top down (stable: findings without a line stay first, in their order). */
export const inLineOrder = (findings: Finding[]): Finding[] =>
  [...findings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
