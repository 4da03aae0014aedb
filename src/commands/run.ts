/**
 * `pipelines-oidc run [dir] [--pipeline custom:<name>] [--branch <b>] [--follow]`: runs the repository's
 * custom pipeline in Bitbucket and, with --follow, waits for its end. A failed step shows its log's tail;
 * when STS refused the token there, the step's claims (rebuilt from Bitbucket's UUIDs) are judged against
 * the repository's files exactly as `check --token` judges a pasted token.
 */
import { resolve } from 'node:path';
import {
  bare,
  isFinished,
  pipelineTarget,
  resultOf,
  tail,
  stsRefusal,
  stepClaims,
  unsignedToken,
  DEFAULT_PIPELINE,
  stepEnvironments,
} from '../core/bitbucket-setup/index.js';
import { runChecks } from '../core/check/index.js';
import { durationSeconds, TIMEOUTS } from '../core/util/index.js';
import { CliError, RunError, UsageError } from '../errors.js';
import * as api from '../io/bitbucket/api.js';
import type { BitbucketClient } from '../io/bitbucket/client.js';
import { workspaceUuid } from '../io/bitbucket/state.js';
import { readCheckInput } from '../io/check-input.js';
import { readPipelineDocument } from '../io/pipeline-file.js';
import { openRepository } from '../io/repository.js';
import { bold, dim, green, red, yellow } from '../io/style.js';
import { printable } from '../printable.js';
import { parseCommand } from './args.js';
import type { Output } from './command-io.js';
import { NO_TOKEN, openBitbucket } from './bitbucket-session.js';

export interface RunPipelineOptions {
  dir: string;
  client: BitbucketClient;
  pipeline: string;
  branch: string;
  follow: boolean;
  /** With `follow`: seconds to wait for the end before giving up. */
  followTimeout?: number;
  out: Output;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Polls until the pipeline completes: 1 s at first, then half as long again each time, at most 10 s apart;
 * after `timeoutSeconds` it stops with a RunError (a pipeline paused on a manual step never completes).
 */
async function follow(
  client: BitbucketClient,
  ws: string,
  slug: string,
  pipeline: api.ApiPipeline,
  out: Output,
  timeoutSeconds: number,
): Promise<api.ApiPipeline> {
  const label = `pipeline #${pipeline.build_number ?? '?'}`;
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  let current = pipeline;
  let shown = '';
  let wait = 1000;
  let frame = 0;
  while (!isFinished(current.state)) {
    // the state names are Bitbucket's words: printed only once made harmless
    const state = printable([current.state.name, current.state.stage?.name].filter(Boolean).join(' '));
    if (Date.now() >= deadline) {
      if (out.isTTY) out.write('\r\x1b[2K');
      throw new RunError(
        `${label} is still ${state} after ${timeoutSeconds} s: stopped following it (it goes on in Bitbucket); wait longer with --follow-timeout`,
      );
    }
    if (out.isTTY)
      out.write(
        `\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${label}: ${state} ${dim(`${Math.round((Date.now() - started) / 1000)} s`)}`,
      );
    else if (state !== shown) out.write(`${label}: ${state}\n`);
    shown = state;
    await sleep(Math.max(0, Math.min(wait, deadline - Date.now())));
    wait = Math.min(10_000, Math.round(wait * 1.5));
    current = await api.getPipeline(client, ws, slug, current.uuid);
  }
  if (out.isTTY) out.write('\r\x1b[2K');
  return current;
}

/** Judges the step's claims against the repository's files, as `check --token` does; the report's lines. */
function explain(dir: string, claimsToken: string): string[] {
  const input = readCheckInput(dir);
  let model;
  try {
    model = openRepository({ cwd: dir }).model();
  } catch {
    // answers that no longer validate: the files are judged alone, as check does for a hand-written repository
    model = undefined;
  }
  const report = runChecks(input, { ...(model ? { model } : {}), token: claimsToken, now: new Date() });
  if (!report.token) return [];
  return [
    `  ${dim(`claims of the step's token: ${JSON.stringify(report.token.conditionKeys)}`)}`,
    ...report.token.roles.flatMap((r) => [
      `  ${r.accepted ? green('✔ accepted') : red('✖ rejected')} by ${r.role}`,
      ...r.reasons.map((x) => `      ${x}`),
    ]),
  ];
}

/** A step's log ('' when there is none); a log that cannot be read is a line of the report, not the end of it. */
async function stepLog(
  client: BitbucketClient,
  workspace: string,
  slug: string,
  pipelineUuid: string,
  stepUuid: string,
  lines: string[],
): Promise<string> {
  try {
    return (await api.getStepLog(client, workspace, slug, pipelineUuid, stepUuid)) ?? '';
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    lines.push(dim(`  its log could not be read: ${printable(e.message)}`));
    return '';
  }
}

export async function runPipeline(opts: RunPipelineOptions): Promise<number> {
  const { answers } = openRepository({ cwd: opts.dir }).manifest;
  const { workspace, name: slug } = answers;
  const { client, out } = opts;
  const target = pipelineTarget(opts.branch, opts.pipeline);
  const started = await api.triggerPipeline(client, workspace, slug, target);
  out.write(
    `${green('✔')} Started pipeline #${started.build_number ?? '?'} (${opts.pipeline} on ${opts.branch}) in ${workspace}/${slug}\n`,
  );
  if (!opts.follow) {
    out.write(`${dim('Follow it with: pipelines-oidc run --follow, or in Bitbucket under Pipelines.')}\n`);
    return 0;
  }
  const done = await follow(client, workspace, slug, started, out, opts.followTimeout ?? TIMEOUTS.follow);
  const result = resultOf(done.state);
  const steps = await api.listSteps(client, workspace, slug, done.uuid);
  const lines: string[] = [];
  let explained = false;
  for (const step of steps) {
    const ok = resultOf(step.state) === 'SUCCESSFUL';
    lines.push(`${ok ? green('✔') : red('✖')} ${printable(step.name ?? 'step')}: ${printable(resultOf(step.state))}`);
    const log = await stepLog(client, workspace, slug, done.uuid, step.uuid, lines);
    if (ok) {
      // the check step prints the session it got: the handshake, in one line
      const signedIn = log.split('\n').find((l) => l.trim().startsWith('Signed in as '));
      if (signedIn) lines.push(`  ${printable(signedIn.trim())}`);
      continue;
    }
    if (log) lines.push(dim('  last lines of its log:'), ...tail(log, 15).map((l) => `  │ ${printable(l)}`));
    const refusal = stsRefusal(log);
    if (!refusal || explained) continue;
    explained = true;
    const [wsUuid, repo, environments] = await Promise.all([
      workspaceUuid(client, workspace),
      api.getRepository(client, workspace, slug),
      api.listEnvironments(client, workspace, slug),
    ]);
    if (!repo) throw new RunError(`Bitbucket no longer knows the repository ${workspace}/${slug}`);
    const pipelineYml = readPipelineDocument(opts.dir, 'run');
    const envName = stepEnvironments(pipelineYml, opts.pipeline.slice('custom:'.length)).get(step.name ?? '');
    const env = envName ? environments.find((e) => e.name.toLowerCase() === envName.toLowerCase()) : undefined;
    const claims = stepClaims(
      {
        workspace,
        workspaceUuid: wsUuid,
        repoUuid: bare(repo.uuid),
        ...(env ? { environmentUuid: bare(env.uuid) } : {}),
        pipelineUuid: bare(done.uuid),
        stepUuid: bare(step.uuid),
        branch: opts.branch,
      },
      new Date(),
    );
    lines.push(
      '',
      bold('STS refused the token'),
      `  ${printable(refusal)}`,
      ...explain(opts.dir, unsignedToken(claims)),
    );
  }
  const ok = result === 'SUCCESSFUL';
  lines.push(
    '',
    ok
      ? green(`✔ pipeline #${done.build_number ?? '?'} succeeded: the step assumed the role over OIDC`)
      : red(`✖ pipeline #${done.build_number ?? '?'} ${printable(result.toLowerCase())}`),
  );
  out.write(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('run', argv);
  if (args.positionals.length > 1) throw new UsageError(`run takes one [dir], got ${args.positionals.join(' ')}`);
  const { options: o } = args;
  const session = openBitbucket(process.cwd(), process.env, o.bitbucketToken);
  if (!session) throw new UsageError(`run needs Bitbucket credentials: ${NO_TOKEN}`);
  const branch = o.branch ?? 'main';
  if (!branch.trim() || /\s/.test(branch)) throw new UsageError('--branch: must be a branch name');
  return runPipeline({
    dir: resolve(process.cwd(), args.positionals[0] ?? '.'),
    client: session.client,
    pipeline: o.pipeline ?? DEFAULT_PIPELINE,
    branch,
    follow: o.follow,
    followTimeout: durationSeconds(o.followTimeout, 'follow-timeout', TIMEOUTS.follow, TIMEOUTS.maxFollow),
    out: process.stdout,
  });
}
