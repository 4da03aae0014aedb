/**
 * `pipelines-oidc run [dir] [--pipeline custom:<name>] [--branch <b>] [--follow]`: runs the repository's
 * custom pipeline in Bitbucket and, with --follow, waits for its end. A failed step shows its log's tail;
 * when STS refused the token there, the step's claims (rebuilt from Bitbucket's UUIDs) are judged against
 * the repository's files exactly as `check --token` judges a pasted token.
 */
import { relative, resolve } from 'node:path';
import {
  isFinished,
  pipelineTarget,
  resultOf,
  tail,
  stsRefusal,
  DEFAULT_PIPELINE,
} from '../core/bitbucket-setup/index.js';
import { PIPELINE_FILE } from '../core/facts/index.js';
import { durationSeconds, TIMEOUTS } from '../core/util/index.js';
import { CliError, RunError, UsageError } from '../errors.js';
import * as api from '../io/bitbucket/api.js';
import type { BitbucketClient } from '../io/bitbucket/client.js';
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
  /** Follow this pipeline (its build number), already started, instead of starting one. */
  build?: number;
  out: Output;
}

/** The custom pipelines the repository's file defines: `run` starts no other (Bitbucket would start a stranger's). */
function assertDefined(dir: string, pipeline: string): void {
  const doc = readPipelineDocument(dir, 'run') as { pipelines?: { custom?: unknown } } | null;
  const custom = doc?.pipelines?.custom;
  const names = custom && typeof custom === 'object' && !Array.isArray(custom) ? Object.keys(custom) : [];
  const name = pipeline.slice('custom:'.length);
  if (!names.includes(name))
    throw new UsageError(
      `--pipeline ${pipeline}: ${PIPELINE_FILE} defines no such custom pipeline (it has ${names.map((n) => `custom:${n}`).join(', ') || 'none'})`,
    );
}

/** The pipeline to follow: the one started now, or the build given, with what it runs. */
async function startOrFind(opts: RunPipelineOptions, workspace: string, slug: string) {
  const { client, out } = opts;
  if (opts.build !== undefined) {
    const found = await api.getPipelineByNumber(client, workspace, slug, opts.build);
    if (!found) throw new RunError(`pipeline #${opts.build}: ${workspace}/${slug} has no such pipeline`);
    const pipeline = found.ran?.pipeline ?? opts.pipeline;
    const branch = found.ran?.branch ?? opts.branch;
    out.write(`${green('✔')} Following pipeline #${opts.build} (${pipeline} on ${branch}) in ${workspace}/${slug}\n`);
    return { started: found, pipeline, branch };
  }
  pipelineTarget(opts.branch, opts.pipeline);
  assertDefined(opts.dir, opts.pipeline);
  const started = await api.triggerPipeline(client, workspace, slug, pipelineTarget(opts.branch, opts.pipeline));
  out.write(
    `${green('✔')} Started pipeline #${started.build_number ?? '?'} (${opts.pipeline} on ${opts.branch}) in ${workspace}/${slug}\n`,
  );
  return { started, pipeline: opts.pipeline, branch: opts.branch };
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
  const { started, pipeline, branch } = await startOrFind(opts, workspace, slug);
  if (!opts.follow) {
    const shown = relative(process.cwd(), opts.dir);
    const follow = `pipelines-oidc run${shown ? ` ${shown}` : ''} --follow ${started.build_number ?? ''}`.trim();
    out.write(`${dim(`Follow it with: ${follow} (it starts nothing new), or in Bitbucket under Pipelines.`)}\n`);
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
    const { explainRefusal } = await import('./run-refusal.js');
    lines.push(
      ...(await explainRefusal({ dir: opts.dir, client, workspace, slug, pipeline, branch, run: done, step, refusal })),
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

/** `--follow <build number>` (or `=<n>`) follows that pipeline: the number is taken out before the options are read. */
function followedBuild(argv: string[]): { argv: string[]; build?: number } {
  const rest: string[] = [];
  let build: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--follow=(.*)$/.exec(a);
    const value = m ? m[1]! : a === '--follow' && /^#?\d+$/.test(argv[i + 1] ?? '') ? argv[++i]! : undefined;
    if (value === undefined) {
      rest.push(a);
      continue;
    }
    const n = Number(value.replace(/^#/, ''));
    if (!/^#?\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
      throw new UsageError(`--follow ${value}: give a pipeline's build number (e.g. --follow 42), or no value`);
    build = n;
    rest.push('--follow');
  }
  return { argv: rest, ...(build === undefined ? {} : { build }) };
}

export async function run(argv: string[]): Promise<number> {
  const followed = followedBuild(argv);
  const args = parseCommand('run', followed.argv);
  if (args.positionals.length > 1) throw new UsageError(`run takes one [dir], got ${args.positionals.join(' ')}`);
  const { options: o } = args;
  const session = openBitbucket(process.cwd(), process.env, o.bitbucketToken);
  if (!session) throw new UsageError(`run needs Bitbucket credentials: ${NO_TOKEN}`);
  if (o.followTimeout !== undefined && !o.follow) throw new UsageError('--follow-timeout: only with --follow');
  const branch = o.branch ?? 'main';
  if (!branch.trim() || /\s/.test(branch)) throw new UsageError('--branch: must be a branch name');
  return runPipeline({
    dir: resolve(process.cwd(), args.positionals[0] ?? '.'),
    client: session.client,
    pipeline: o.pipeline ?? DEFAULT_PIPELINE,
    branch,
    follow: o.follow,
    ...(followed.build === undefined ? {} : { build: followed.build }),
    followTimeout: durationSeconds(o.followTimeout, 'follow-timeout', TIMEOUTS.follow, TIMEOUTS.maxFollow),
    out: process.stdout,
  });
}
