/**
 * `pipelines-oidc apply [dir] [--profile <p>] [--region <r>] [--thumbprint <sha1>] [--dry-run] [--yes]`:
 * create or update the OIDC provider and the roles the repository describes. Plans first, asks before
 * writing, never deletes; a second run finds nothing to do, and a run cut short is finished by the next.
 */
import { resolve } from 'node:path';
import { samePolicy } from '../core/facts/index.js';
import {
  describeStep,
  planChanges,
  shown,
  STEP_ACTION,
  type Plan,
  type Step,
  type DesiredState,
} from '../core/iam/index.js';
import { CancelledError, CliError, RunError, UsageError } from '../errors.js';
import { errorCode, explainAwsError, type AwsSession } from '../io/aws.js';
import { readProvider, readRole, runStep } from '../io/iam-state.js';
import { progress } from '../io/progress.js';
import { bold, dim, green, yellow } from '../io/style.js';
import { parseCommand } from './args.js';
import type { Output } from './command-io.js';
import type { Repository } from '../io/repository.js';
import { desiredOf, observe, openArgRepository, variableLines, type AwsOptions } from './iam-target.js';

const THUMBPRINT = /^[0-9a-fA-F]{40}$/;

async function planText(plan: Plan): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const adds = (s: Step) =>
    s.kind.startsWith('create') || s.kind === 'add-client-id' || (s.kind === 'put-policy' && s.before === undefined);
  // the patch without its "=====" banner and trailing blank line, indented under its step
  const patch = (live: string, file: string, before: string, after: string) =>
    createTwoFilesPatch(live, file, before, after)
      .split('\n')
      .slice(1)
      .filter((l, i, all) => l !== '' || i < all.length - 1)
      .map((l) => `      ${l}`);
  const lines = plan.steps.flatMap((s) => {
    const line = `  ${adds(s) ? green('+') : yellow('~')} ${describeStep(s)}`;
    if (s.kind === 'update-trust')
      return [line, ...patch(`live trust policy of ${s.role}`, s.file, s.before, shown(JSON.parse(s.trustPolicy)))];
    if (s.kind === 'put-policy' && s.before !== undefined)
      return [line, ...patch(`live ${s.policyName}`, s.file, s.before, shown(JSON.parse(s.document)))];
    return [line];
  });
  return [...lines, ...plan.notes.map((n) => `  ${yellow('!')} ${n}`)].join('\n');
}

/**
 * Someone else created the entity between our read and our write: take what is there if it is what
 * we wanted (the provider only lacking our audience is fine: adding it is one more additive call).
 */
async function settleRace(aws: AwsSession, step: Step, desired: DesiredState): Promise<void> {
  if (step.kind === 'create-provider') {
    const live = await readProvider(aws, desired.provider.arn);
    if (live && !live.clientIds.includes(desired.provider.audience))
      await runStep(aws, { kind: 'add-client-id', providerArn: live.arn, clientId: desired.provider.audience });
    return;
  }
  if (step.kind === 'create-role') {
    const role = desired.roles.find((r) => r.name === step.role)!;
    const live = await readRole(aws, step.role, role.policyName);
    if (live && samePolicy(live.trustPolicy, role.trustPolicy)) return;
    throw new RunError(
      `role ${step.role} was created by someone else meanwhile, with a different trust policy: run apply again to see the difference and decide`,
    );
  }
  throw new RunError(`${describeStep(step)}: IAM answered EntityAlreadyExists`);
}

async function execute(aws: AwsSession, plan: Plan, desired: DesiredState, out: Output): Promise<void> {
  const show = progress(out);
  let done = 0;
  for (const step of plan.steps) {
    try {
      await show.step(describeStep(step), async () => {
        try {
          await runStep(aws, step);
        } catch (e) {
          if (errorCode(e) === 'EntityAlreadyExists') return settleRace(aws, step, desired);
          if (e instanceof CliError) throw e;
          throw explainAwsError(e, STEP_ACTION[step.kind], 'role' in step ? step.role : desired.provider.arn);
        }
      });
      done++;
    } catch (e) {
      const message = e instanceof CliError ? e.message : String(e);
      throw new RunError(
        `${message} (${done} of ${plan.steps.length} changes made; run apply again to finish: it starts from what exists now)`,
      );
    }
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('apply', argv);
  if (args.positionals.length > 1) throw new UsageError(`apply takes one [dir], got ${args.positionals.join(' ')}`);
  const { thumbprint } = args.options;
  if (thumbprint !== undefined && !THUMBPRINT.test(thumbprint))
    throw new UsageError(
      '--thumbprint: must be 40 hexadecimal characters (a SHA-1 fingerprint); IAM no longer needs one',
    );
  return applyRepository(openArgRepository(process.cwd(), args), {
    ...(thumbprint === undefined ? {} : { thumbprint }),
    profile: args.options.profile,
    region: args.options.region,
    timeout: args.options.timeout,
    dryRun: args.options.dryRun,
    yes: args.options.yes,
    out: process.stdout,
  });
}

export interface ApplyOptions extends AwsOptions {
  thumbprint?: string;
  dryRun: boolean;
  /** The changes were confirmed already (--yes, or the one question of `new --bitbucket --apply`). */
  yes: boolean;
  out: Output;
}

/** The IAM side of an opened repository: read, planned, shown, confirmed, made. */
export async function applyRepository(repo: Repository, options: ApplyOptions): Promise<number> {
  const { out } = options;
  const desired = desiredOf(repo, 'apply', options.thumbprint);
  const { aws, observed } = await progress(out).step(`Reading IAM of account ${desired.account}`, () =>
    observe(desired, options),
  );
  try {
    if (observed.caller.account !== desired.account) {
      throw new RunError(
        `the credentials (${observed.caller.arn}) are for account ${observed.caller.account}, the repository is for ${desired.account}: use --profile or AWS_PROFILE for ${desired.account}`,
      );
    }
    const plan = planChanges(desired, observed);
    if (!plan.steps.length) {
      out.write(
        `${green('✔')} Nothing to change: IAM matches the repository.\n${plan.notes.length ? `${await planText(plan)}\n` : ''}`,
      );
    } else {
      out.write(
        `${bold('Plan')} ${dim(`(account ${desired.account}, as ${observed.caller.arn})`)}\n${await planText(plan)}\n`,
      );
      if (options.dryRun) {
        out.write(`${dim('Dry run: no change made.')}\n`);
        return 0;
      }
      if (!options.yes) {
        if (!process.stdin.isTTY || !out.isTTY)
          throw new UsageError(
            `apply: ${plan.steps.length} change${plan.steps.length > 1 ? 's' : ''} to confirm: pass --yes to make ${plan.steps.length > 1 ? 'them' : 'it'} (or --dry-run to only see the plan)`,
          );
        const { askConfirm } = await import('../io/prompt.js');
        const replaces = plan.steps.some((s) => s.kind === 'update-trust');
        if (
          !(await askConfirm(
            `Make ${plan.steps.length} change${plan.steps.length > 1 ? 's' : ''} in account ${desired.account}?`,
            !replaces,
          ))
        )
          throw new CancelledError('Cancelled: no change made.');
      }
      await execute(aws, plan, desired, out);
    }
    out.write(
      `\n${bold('Roles')}\n${desired.roles.map((r) => `  ${r.arn}`).join('\n')}\n${bold('Set in Bitbucket')} ${dim('(Repository settings → Repository variables / Deployments)')}\n${variableLines(
        desired,
      )
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
    );
    return 0;
  } finally {
    aws.close();
  }
}
