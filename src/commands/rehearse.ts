/**
 * `pipelines-oidc rehearse [dir] [--pipeline <p>] [--environment <name>] [--runs N] [--json] [--endpoint <url>] [--live] [--strict]`:
 * the repository's AWS steps run locally against an AWS emulator, every call authorized by the role's
 * inline policy.
 */
import { MANIFEST_FILE } from '../core/facts/index.js';
import { desiredState } from '../core/iam/index.js';
import { judgeLine, type LineVerdict, rehearsalPlan, type RehearsalPlan } from '../core/rehearse/index.js';
import { RunError, UsageError } from '../errors.js';
import { readPipelineDocument } from '../io/pipeline-file.js';
import { isLoopback } from '../io/bitbucket/hosts.js';
import { printable } from '../printable.js';
import { rehearse, type StepReport } from '../io/rehearse/rehearsal.js';
import { awsCliVersion } from '../io/rehearse/tools.js';
import { findSandbox, type Sandbox } from '../io/rehearse/sandbox.js';
import { SHIMS } from '../io/rehearse/shims.js';
import { linkOnPath } from '../io/repository.js';
import { bold, dim, green, red, yellow } from '../io/style.js';
import { parseCommand } from './args.js';
import { openArgRepository } from './iam-target.js';
import {
  madeUpLines,
  missingInputs,
  stepVerdict,
  withMadeUpUuids,
  type MadeUp,
  type StepVerdict,
} from './rehearse-made-up.js';

/** Where the step ran: this machine's AWS CLI, never the image Bitbucket runs it in. */
function ranWith(step: StepReport, aws: string | undefined): string {
  return `ran with ${aws ?? 'the AWS CLI on PATH (its version unknown)'} on this machine, ${step.image ? `not in its image ${step.image}` : 'not in an image'}`;
}

function stepText(run: number, step: StepReport, verdict: StepVerdict, aws: string | undefined): string {
  const mark = !verdict.ok ? red('✖') : verdict.madeUp.length ? yellow('!') : green('✔');
  const lines = [
    `${mark} ${bold(printable(step.name))} ${dim(`(run ${run}, ${printable(step.pipeline)}${step.environment ? `, ${printable(step.environment)}` : ''})`)}`,
    `    ${dim(printable(ranWith(step, aws)))}`,
  ];
  if (verdict.madeUp.length) lines.push(`    ${yellow(`${verdict.status}: ${printable(verdict.madeUp.join(', '))}`)}`);
  for (const c of step.calls) {
    lines.push(`    ${c.allowed ? green('allow') : red('deny ')} ${c.action} ${dim(printable(c.resource))}`);
    if (c.missing) lines.push(`          ${dim('missing statement:')} ${printable(JSON.stringify(c.missing))}`);
    else if (!c.allowed) lines.push(`          ${dim(printable(c.reason))}`);
    if (c.rollout) lines.push(`          ${yellow('rolled back:')} ${printable(c.rollout)}`);
    for (const u of c.unproven ?? []) lines.push(`          ${dim('not proven:')} ${printable(u)}`);
  }
  for (const r of step.recorded) lines.push(`    ${dim(`recorded, not run: ${printable(r)}`)}`);
  for (const l of step.left) lines.push(`    ${red(`left running: ${printable(l)}`)}`);
  if (!step.ok)
    lines.push(
      ...step.output
        .trimEnd()
        .split('\n')
        .slice(-15)
        .map((l) => `    ${dim('│')} ${printable(l)}`),
    );
  return `${lines.join('\n')}\n`;
}

/** Every line the rehearsal will run, by where it runs, each judged by the commands in it. */
function judgePlan(plan: RehearsalPlan, strict: boolean): Array<{ where: string; verdicts: LineVerdict[] }> {
  const judge = (lines: string[]) => lines.map((line) => judgeLine(line, Object.keys(SHIMS), strict));
  return [
    ...(plan.seed.length
      ? [{ where: 'seed (against the emulator, before the steps)', verdicts: judge(plan.seed) }]
      : []),
    ...plan.steps.map((s) => ({
      where: `step ${s.name} (${s.pipeline}${s.environment ? `, ${s.environment}` : ''})`,
      verdicts: judge(s.script),
    })),
  ];
}

/** Lines with commands rehearse does not know, named with them, or nothing when all may run. */
function refusal(judged: ReturnType<typeof judgePlan>, allow: boolean, sandbox: Sandbox): string | undefined {
  const unknown = judged.flatMap(({ where, verdicts }) =>
    verdicts
      .filter((v) => v.unknown.length)
      .map((v) => `  ${where}: ${printable(v.line)}\n    unknown: ${printable(v.unknown.join(', '))}`),
  );
  if (!unknown.length || (allow && sandbox.tool)) return undefined;
  const rule = sandbox.tool
    ? 'read them, then run them with --allow-unknown-commands (in the sandbox) if you trust them'
    : `--allow-unknown-commands needs the sandbox, and there is none (${sandbox.missing}): install bubblewrap`;
  return `rehearse: nothing ran: ${unknown.length} line(s) run commands rehearse does not know (${rule}):\n${unknown.join('\n')}`;
}

function planText(judged: ReturnType<typeof judgePlan>, sandbox: Sandbox): string {
  const where = sandbox.tool
    ? `in a sandbox (${sandbox.tool}): read-only system, writable scratch copy, no network but the emulator`
    : `WITHOUT a sandbox (${sandbox.missing}): as you, with your network; only known commands are allowed`;
  const lines = [dim(`Lines that will run, ${where}:`)];
  for (const { where: w, verdicts } of judged) {
    lines.push(`  ${bold(printable(w))}`);
    for (const v of verdicts)
      lines.push(`    ${dim('$')} ${printable(v.line)}${v.unknown.length ? red('  (unknown)') : ''}`);
  }
  return `${lines.join('\n')}\n\n`;
}

/** `--endpoint`: plain HTTP to a port of this machine, nothing more (no path, credentials or query). */
function localEmulator(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  return (
    url.protocol === 'http:' &&
    isLoopback(url.hostname) &&
    url.port !== '' &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash &&
    !url.username &&
    !url.password
  );
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('rehearse', argv);
  if (args.positionals.length > 1) throw new UsageError(`rehearse takes one [dir], got ${args.positionals.join(' ')}`);
  const { options: o } = args;
  const runs = Number(o.runs ?? '2');
  if (!Number.isInteger(runs) || runs < 1 || runs > 10) throw new UsageError('--runs: a whole number from 1 to 10');
  const { endpoint } = o;
  if (endpoint !== undefined && !localEmulator(endpoint)) {
    throw new UsageError(
      '--endpoint: the URL of a local AWS emulator, e.g. http://127.0.0.1:5000 (rehearse never talks to AWS itself)',
    );
  }
  if (o.live && !endpoint) throw new UsageError('--live: give --endpoint <url> of the emulator that holds the roles');
  const repo = openArgRepository(process.cwd(), args);
  const { dir } = repo;
  const model = repo.model();
  const answers = model.answers;
  // before the repository or its environments exist on Bitbucket: rehearse with made-up UUIDs, and say so
  const made = withMadeUpUuids(model, repo.read);
  const madeUp: MadeUp = {
    inputs: [],
    ...(made.repoUuid ? { repoUuid: made.repoUuid } : {}),
    environmentUuids: made.environmentUuids,
  };
  const repoUuid = made.repoUuid ?? answers.repoUuid;
  const desired = desiredState(model, made.read, { command: 'rehearse' });
  const pipelineDoc = readPipelineDocument(dir, 'rehearse');
  const plan = rehearsalPlan(model, pipelineDoc, o.pipeline, made.environmentUuids);
  // only the inputs the repository lacks get a stand-in in the scratch copy: never through a link of the repository
  plan.files = missingInputs(dir, plan.files);
  for (const file of plan.files) {
    const link = linkOnPath(dir, file.path);
    if (link !== undefined)
      throw new RunError(
        `rehearse: ${file.path} is missing and ${link} is a symbolic link, so the rehearsal would write it outside its scratch copy; add the file, or replace the link with a folder`,
      );
  }
  madeUp.inputs = [...new Map(plan.files.map((f) => [f.input, { input: f.input, path: f.path }])).values()];
  const { environment } = o;
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
  const { json, strict } = o;
  const sandbox = findSandbox();
  // --live creates nothing: no seed line runs
  if (o.live) plan.seed = [];
  const judged = judgePlan(plan, !sandbox.tool);
  const refused = refusal(judged, o.allowUnknownCommands, sandbox);
  if (refused) throw new UsageError(refused);
  const aws = awsCliVersion();
  if (!json) process.stdout.write(planText(judged, sandbox));
  const report = await rehearse({
    dir,
    desired,
    plan,
    identity: { workspace: answers.workspace, workspaceUuid: answers.workspaceUuid, repoUuid },
    runs,
    ...(endpoint ? { endpoint } : {}),
    live: o.live,
    ...(json
      ? {}
      : {
          onStep: (n: number, step: StepReport) =>
            process.stdout.write(stepText(n, step, stepVerdict(step, madeUp, strict), aws)),
        }),
  });
  const steps = report.runs.flatMap((r) => r.steps);
  const verdicts = new Map(steps.map((s) => [s, stepVerdict(s, madeUp, strict)]));
  const ok = [...verdicts.values()].every((v) => v.ok);
  const madeUpText = madeUpLines(madeUp, MANIFEST_FILE);
  if (json) {
    const runsOut = report.runs.map((r) => ({
      run: r.run,
      steps: r.steps.map((s) => ({
        name: s.name,
        pipeline: s.pipeline,
        ...(s.environment ? { environment: s.environment } : {}),
        ok: verdicts.get(s)!.ok,
        status: verdicts.get(s)!.status,
        madeUpInputs: verdicts.get(s)!.madeUp,
        image: { name: s.image ?? null, used: false, ranWith: ranWith(s, aws) },
        calls: s.calls,
        recorded: s.recorded,
        left: s.left,
        output: s.output,
      })),
    }));
    const planOut = judged.map(({ where, verdicts: lineVerdicts }) => ({
      where,
      lines: lineVerdicts.map((v) => ({ line: v.line, ...(v.unknown.length ? { unknown: v.unknown } : {}) })),
    }));
    const sandboxOut = sandbox.tool ? { tool: sandbox.tool } : { tool: null, missing: sandbox.missing };
    const madeUpOut = {
      ...(madeUp.repoUuid ? { repoUuid: madeUp.repoUuid } : {}),
      ...(Object.keys(madeUp.environmentUuids).length ? { environmentUuids: madeUp.environmentUuids } : {}),
      inputs: madeUp.inputs,
      notes: madeUpText,
    };
    const tools = { aws: aws ?? null, images: "not used: every step runs with this machine's tools" };
    process.stdout.write(
      `${JSON.stringify({ ok, strict, sandbox: sandboxOut, tools, madeUp: madeUpOut, plan: planOut, emulated: report.emulated, runs: runsOut }, null, 2)}\n`,
    );
  } else {
    const failed = [...verdicts.values()].filter((v) => !v.ok).length;
    const withMadeUp = [...verdicts.values()].filter((v) => v.ok && v.madeUp.length).length;
    const madeUpOut = madeUpText.length
      ? `${yellow(`Made up for this rehearsal, as the repository lacks it (${strict ? '--strict: the steps that need it failed' : '--strict fails the steps that need it'}):`)}\n${madeUpText.map((l) => `  - ${printable(l)}`).join('\n')}\n`
      : '';
    const summary = ok
      ? withMadeUp
        ? yellow(`! ${steps.length} step runs passed, ${withMadeUp} of them with made-up inputs`)
        : green(`✔ ${steps.length} step runs passed`)
      : red(`✖ ${failed} of ${steps.length} step runs failed`);
    process.stdout.write(
      `\n${sandbox.tool ? '' : `${red(`Ran without a sandbox: ${sandbox.missing}`)}\n`}${dim(`Emulated (${report.endpoint}):\n${report.emulated.map((e) => `  - ${e}`).join('\n')}`)}\n${dim(`Tools: ${aws ?? 'the AWS CLI on PATH (its version unknown)'} on this machine; no step image was used`)}\n${madeUpOut}${summary}\n`,
    );
  }
  return ok ? 0 : 1;
}
