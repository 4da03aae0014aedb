/**
 * `pipelines-oidc rehearse [dir] [--pipeline <p>] [--environment <name>] [--runs N] [--json] [--endpoint <url>] [--live]`:
 * the repository's AWS steps run locally against an AWS emulator, every call authorized by the role's
 * inline policy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MANIFEST_FILE } from '../core/model.js';
import { rehearsalPlan } from '../core/rehearse/plan.js';
import { RunError, UsageError } from '../errors.js';
import { rehearse, type StepReport } from '../io/rehearse/rehearsal.js';
import { linkOnPath } from '../io/repository.js';
import { bold, dim, green, red } from '../io/style.js';
import { parseCommand } from './args.js';
import { desiredOf, openArgRepository } from './iam-target.js';

function stepText(run: number, step: StepReport): string {
  const lines = [
    `${step.ok ? green('✔') : red('✖')} ${bold(step.name)} ${dim(`(run ${run}, ${step.pipeline}${step.environment ? `, ${step.environment}` : ''})`)}`,
  ];
  for (const c of step.calls) {
    lines.push(`    ${c.allowed ? green('allow') : red('deny ')} ${c.action} ${dim(c.resource)}`);
    if (c.missing) lines.push(`          ${dim('missing statement:')} ${JSON.stringify(c.missing)}`);
    else if (!c.allowed) lines.push(`          ${dim(c.reason)}`);
  }
  for (const r of step.recorded) lines.push(`    ${dim(`recorded, not run: ${r}`)}`);
  if (!step.ok)
    lines.push(
      ...step.output
        .trimEnd()
        .split('\n')
        .slice(-15)
        .map((l) => `    ${dim('│')} ${l}`),
    );
  return `${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('rehearse', argv);
  if (args.positionals.length > 1) throw new UsageError(`rehearse takes one [dir], got ${args.positionals.join(' ')}`);
  const runs = Number(args.values.runs ?? '2');
  if (!Number.isInteger(runs) || runs < 1 || runs > 10) throw new UsageError('--runs: a whole number from 1 to 10');
  const endpoint = args.values.endpoint as string | undefined;
  if (endpoint !== undefined && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+\/?$/.test(endpoint)) {
    throw new UsageError(
      '--endpoint: the URL of a local AWS emulator, e.g. http://127.0.0.1:5000 (rehearse never talks to AWS itself)',
    );
  }
  if (args.values.live && !endpoint)
    throw new UsageError('--live: give --endpoint <url> of the emulator that holds the roles');
  const repo = openArgRepository(process.cwd(), args);
  const { dir } = repo;
  const model = repo.model();
  const answers = model.answers;
  if (model.repoUuidMissing)
    throw new UsageError(
      `rehearse: ${MANIFEST_FILE} has no repository UUID, so the trust policy matches no token: set it with pipelines-oidc update --repo-uuid <uuid>`,
    );
  const desired = desiredOf(repo, 'rehearse');
  let pipelineDoc: unknown;
  try {
    pipelineDoc = parseYaml(readFileSync(join(dir, 'bitbucket-pipelines.yml'), 'utf8'));
  } catch (e) {
    throw new UsageError(`rehearse: cannot read bitbucket-pipelines.yml (${(e as Error).message.split('\n')[0]})`);
  }
  const plan = rehearsalPlan(model, pipelineDoc, args.values.pipeline as string | undefined);
  // the files a step reads are added to the scratch copy where missing: never through a link of the repository
  for (const file of plan.files) {
    const link = existsSync(join(dir, file.path)) ? undefined : linkOnPath(dir, file.path);
    if (link !== undefined)
      throw new RunError(
        `rehearse: ${file.path} is missing and ${link} is a symbolic link, so the rehearsal would write it outside its scratch copy; add the file, or replace the link with a folder`,
      );
  }
  const environment = args.values.environment as string | undefined;
  if (environment !== undefined) {
    if (!model.roles.some((r) => r.environment === environment))
      throw new UsageError(
        `--environment ${environment}: not an environment of this repository (${
          model.roles
            .map((r) => r.environment)
            .filter(Boolean)
            .join(', ') || 'it has none'
        })`,
      );
    plan.steps = plan.steps.filter((s) => s.environment === environment);
  }
  if (!plan.steps.length) throw new UsageError('rehearse: no step with oidc: true in the chosen pipeline');
  const json = Boolean(args.values.json);
  const report = await rehearse({
    dir,
    desired,
    plan,
    identity: { workspace: answers.workspace, workspaceUuid: answers.workspaceUuid, repoUuid: answers.repoUuid },
    runs,
    ...(endpoint ? { endpoint } : {}),
    live: Boolean(args.values.live),
    ...(json ? {} : { onStep: (n: number, step: StepReport) => process.stdout.write(stepText(n, step)) }),
  });
  if (json) {
    const runsOut = report.runs.map((r) => ({
      run: r.run,
      steps: r.steps.map((s) => ({
        name: s.name,
        pipeline: s.pipeline,
        ...(s.environment ? { environment: s.environment } : {}),
        ok: s.ok,
        calls: s.calls,
        recorded: s.recorded,
        output: s.output,
      })),
    }));
    process.stdout.write(`${JSON.stringify({ ok: report.ok, emulated: report.emulated, runs: runsOut }, null, 2)}\n`);
  } else {
    const steps = report.runs.flatMap((r) => r.steps);
    const failed = steps.filter((s) => !s.ok).length;
    process.stdout.write(
      `\n${dim(`Emulated (${report.endpoint}):\n${report.emulated.map((e) => `  - ${e}`).join('\n')}`)}\n${report.ok ? green(`✔ ${steps.length} step runs passed`) : red(`✖ ${failed} of ${steps.length} step runs failed`)}\n`,
    );
  }
  return report.ok ? 0 : 1;
}
