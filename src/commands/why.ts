/**
 * `pipelines-oidc why [dir] [--since <duration>] [--region <r>] [--profile <p>] [--json]`: the real
 * `AssumeRoleWithWebIdentity` attempts on the repository's roles, read from CloudTrail's event history, and
 * for each refused one the condition of the repository's trust policy that refuses the presented claims.
 */
import { parseEnvironments, region as regionRule } from '../core/answers/index.js';
import { audience, issuerUrl, providerArn } from '../core/facts/index.js';
import {
  explainAttempts,
  LOOKUP_ACTION,
  LOOKUP_LIMITS,
  WEB_IDENTITY_EVENT,
  type Attempt,
  type RoleFile,
} from '../core/iam/index.js';
import { durationSeconds, TIMEOUTS, timeoutSeconds, tooDeep } from '../core/util/index.js';
import { UsageError } from '../errors.js';
import { printable as p } from '../printable.js';
import { lookupAttempts } from '../io/cloudtrail.js';
import type { Repository } from '../io/repository.js';
import { bold, dim, green, red, yellow } from '../io/style.js';
import { parseCommand } from './args.js';
import { openArgRepository } from './iam-target.js';

/** Each role of the repository with its trust policy file as read: a file that cannot be read is said so per attempt. */
function roleFiles(repo: Repository): RoleFile[] {
  return repo.model().roles.map((role) => {
    const base = {
      arn: role.concreteArn,
      name: role.concreteArn.replace(/^.*:role\//, ''),
      ...(role.environment ? { environment: role.environment } : {}),
      file: role.trustFile,
    };
    const text = repo.read(role.trustFile);
    if (text === undefined) return { ...base, trustPolicy: undefined, problem: 'is missing' };
    const deep = tooDeep(text);
    if (deep) return { ...base, trustPolicy: undefined, problem: `is ${deep}` };
    try {
      return { ...base, trustPolicy: JSON.parse(text) as unknown };
    } catch {
      return { ...base, trustPolicy: undefined, problem: 'is not valid JSON' };
    }
  });
}

function attemptLines(a: Attempt): string[] {
  const head = a.accepted ? green('✓ accepted') : red(`✗ refused: ${p(a.errorCode ?? '')}`);
  const message = a.errorMessage ? dim(` (${p(a.errorMessage)})`) : '';
  return [
    `${head}  ${p(a.time)}  ${bold(p(a.role))}${a.roleEnvironment ? ` (the role of ${p(a.roleEnvironment)})` : ''}${message}`,
    `    sub       ${a.sub === undefined ? dim('not recorded') : p(a.sub)}${a.subEnvironment ? dim(` (deployment environment ${p(a.subEnvironment)})`) : ''}`,
    `    aud       ${a.aud === undefined ? dim('not recorded') : p(a.aud)}`,
    `    provider  ${a.provider === undefined ? dim('not recorded') : p(a.provider)}`,
    `    ${p(a.verdict)}`,
    ...a.reasons.map((r) => `      ${p(r)}`),
  ];
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('why', argv);
  if (args.positionals.length > 1) throw new UsageError(`why takes one [dir], got ${args.positionals.join(' ')}`);
  const o = args.options;
  const seconds = durationSeconds(o.since, 'since', LOOKUP_LIMITS.defaultWindowSeconds, LOOKUP_LIMITS.maxWindowSeconds);
  const timeout = timeoutSeconds(o.timeout, 'timeout', TIMEOUTS.aws);
  const asked = o.region === undefined ? undefined : regionRule(o.region);
  if (asked && 'error' in asked) throw new UsageError(`--region: ${asked.error}, got ${o.region}`);
  const repo = openArgRepository(process.cwd(), args);
  const model = repo.model();
  const { values } = model;
  const region = o.region ?? values.region;
  const end = new Date();
  const start = new Date(end.getTime() - seconds * 1000);
  const looked = await lookupAttempts({
    region,
    timeoutSeconds: timeout,
    start,
    end,
    ...(o.profile ? { profile: o.profile } : {}),
  });
  const report = explainAttempts(
    looked.events,
    roleFiles(repo),
    {
      url: issuerUrl(values.workspace),
      arn: providerArn(values.partition, values.account, values.workspace),
      clientIds: [audience(values.workspaceUuid)],
    },
    parseEnvironments(model.answers.environments),
  );
  const refused = report.attempts.filter((a) => !a.accepted).length;
  if (o.json) {
    const json = {
      region,
      since: start.toISOString(),
      until: end.toISOString(),
      ...report,
      truncated: looked.truncated,
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return refused ? 1 : 0;
  }
  const dir = args.positionals[0] ?? '.';
  const lines = [
    bold(
      `${WEB_IDENTITY_EVENT} attempts on the roles of ${p(dir)}, from CloudTrail's event history in ${p(region)} since ${start.toISOString()}`,
    ),
    ...report.attempts.flatMap(attemptLines),
    ...report.unreadable.map((u) => `${yellow('! unreadable')} event ${p(u.eventId)}: ${p(u.problem)}`),
  ];
  if (!report.attempts.length)
    lines.push(
      `No attempt on these roles was recorded in ${region}. The step calls the STS endpoint of its AWS_DEFAULT_REGION (the AWS CLI v2) and CloudTrail records the attempt there; the global endpoint records in us-east-1: try --region <that region>, or a longer --since.`,
    );
  if (looked.truncated)
    lines.push(
      yellow(
        `! only the newest ${LOOKUP_LIMITS.maxPages * LOOKUP_LIMITS.pageSize} ${WEB_IDENTITY_EVENT} events were read: a shorter --since reads the rest`,
      ),
    );
  const accepted = report.attempts.length - refused;
  lines.push(
    '',
    dim(
      `${refused} refused, ${accepted} accepted${report.unreadable.length ? `, ${report.unreadable.length} unreadable` : ''}${report.otherRoles ? `; ${report.otherRoles} on other roles, not shown` : ''} (read with ${LOOKUP_ACTION})`,
    ),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return refused ? 1 : 0;
}
