/**
 * One rehearsal: the emulator (started here or given), the front, the seeded account, and every planned
 * step run `runs` times. Everything started is stopped again, also on failure.
 */
import { TIMEOUTS } from '../../core/util/index.js';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../../core/check/index.js';
import { planChanges, type DesiredState } from '../../core/iam/index.js';
import { type RehearsalPlan, stepClaims } from '../../core/rehearse/index.js';
import { RunError } from '../../errors.js';
import { connect, type AwsSession } from '../aws.js';
import { decodePolicy, readObserved, readProvider, readRole, runStep as runIamStep } from '../iam-state.js';
import { EMULATED, startFront, type RecordedCall, type RoleSource } from './front.js';
import { startMoto } from './moto.js';
import { Reaper } from './reaper.js';
import { prepareWorkspace, runSeed, runStep, signingKey } from './runner.js';
import { relay } from './sandbox.js';

export interface StepReport {
  name: string;
  pipeline: string;
  environment?: string;
  /** The image Bitbucket runs the step in; the rehearsal ran it with this machine's tools instead. */
  image?: string;
  /** The repository paths the step's target reads. */
  inputs: string[];
  ok: boolean;
  calls: RecordedCall[];
  /** Commands the shims stood in for. */
  recorded: string[];
  /** Command lines of the processes the step left running (a failure). */
  left: string[];
  output: string;
}

export interface RehearsalReport {
  ok: boolean;
  endpoint: string;
  emulated: string[];
  runs: Array<{ run: number; steps: StepReport[] }>;
}

export interface RehearsalOptions {
  dir: string;
  desired: DesiredState;
  plan: RehearsalPlan;
  identity: { workspace: string; workspaceUuid: string; repoUuid: string };
  runs: number;
  endpoint?: string;
  live: boolean;
  onStep?: (run: number, step: StepReport) => void;
}

/**
 * An IAM session against the emulator with keys of its own (the emulator checks none). The SDK reads
 * the endpoint and keys from the environment whenever it signs, so they stay set until `close()`.
 */
async function emulatorSession(url: string, desired: DesiredState): Promise<AwsSession> {
  const names = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE', 'AWS_SESSION_TOKEN'];
  const saved = Object.fromEntries(names.map((k) => [k, process.env[k]]));
  for (const k of names) delete process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: `AKIA${desired.account}SEED`,
    AWS_SECRET_ACCESS_KEY: 'rehearsal',
  });
  const aws = await connect({ partition: desired.partition, region: desired.region, timeoutSeconds: TIMEOUTS.aws });
  return {
    ...aws,
    close() {
      aws.close();
      for (const k of names) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    },
  };
}

/**
 * A role's inline and attached policies as the emulator holds them: the CloudFormation service role the seed
 * created, whose policies decide what the stack may create.
 */
async function emulatorPolicies(aws: AwsSession, arn: string): Promise<unknown[] | undefined> {
  const { GetRoleCommand, GetPolicyVersionCommand, GetPolicyCommand, GetRolePolicyCommand } = aws.sdk;
  const { ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } = aws.sdk;
  const RoleName = arn.split('/').pop() ?? '';
  try {
    await aws.iam.send(new GetRoleCommand({ RoleName }));
  } catch {
    return undefined;
  }
  // the seed's roles hold a few policies: one page each
  const names = (await aws.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? [];
  const attached = (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? [];
  const inline = await Promise.all(
    names.map(async (PolicyName) =>
      decodePolicy((await aws.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument),
    ),
  );
  const managed = await Promise.all(
    attached.map(async ({ PolicyArn }) => {
      const version = (await aws.iam.send(new GetPolicyCommand({ PolicyArn }))).Policy?.DefaultVersionId;
      const out = await aws.iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: version }));
      return decodePolicy(out.PolicyVersion?.Document);
    }),
  );
  return [...inline, ...managed];
}

/** The provider and roles as the repository's IAM files say (the account is seeded from them). */
function fromFiles(desired: DesiredState, aws: AwsSession): RoleSource {
  return {
    policies: (arn) => emulatorPolicies(aws, arn),
    role: async (arn) => {
      const r = desired.roles.find((x) => x.arn === arn);
      return r && { trustPolicy: r.trustPolicy, policies: [r.permissions] };
    },
    provider: async (issuer) =>
      issuer === desired.provider.url
        ? { url: desired.provider.url, arn: desired.provider.arn, clientIds: [desired.provider.audience] }
        : undefined,
  };
}

/** The provider and roles as the emulator holds them (`--live`: what Terraform or apply created). */
function fromEmulator(aws: AwsSession, desired: DesiredState): RoleSource {
  return {
    policies: (arn) => emulatorPolicies(aws, arn),
    role: async (arn) => {
      const r = desired.roles.find((x) => x.arn === arn);
      const live = await readRole(aws, arn.split('/').pop() ?? '', r?.policyName ?? 'pipelines-oidc-permissions');
      return (
        live && { trustPolicy: live.trustPolicy, policies: live.permissions === undefined ? [] : [live.permissions] }
      );
    },
    provider: async (issuer): Promise<Provider | undefined> => {
      const hostPath = issuer.replace(/^https:\/\//, '');
      const live = await readProvider(
        aws,
        `arn:${desired.partition}:iam::${desired.account}:oidc-provider/${hostPath}`,
      );
      return live && { url: `https://${live.url}`, arn: live.arn, clientIds: live.clientIds };
    },
  };
}

/** Creates the provider and roles with `apply`'s own plan, so the account holds what the repository says. */
async function seedIam(aws: AwsSession, desired: DesiredState): Promise<void> {
  const plan = planChanges(desired, await readObserved(aws, desired));
  for (const step of plan.steps) await runIamStep(aws, step);
}

/** A system call that failed (disk full, permission denied): the run failed, it is not a bug. */
function runFailure(e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof err.code === 'string' && typeof err.syscall === 'string'
    ? new RunError(`rehearse: ${err.message.split('\n')[0]}`)
    : e;
}

const portOf = (url: string) => Number(new URL(url).port);

export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const reaper = new Reaper();
  const offSignals = reaper.onSignals();
  const closing: Array<() => unknown> = [];
  try {
    return await rehearseWith(options, reaper, closing);
  } catch (e) {
    throw runFailure(e);
  } finally {
    for (const close of closing.reverse()) await close();
    reaper.endAll();
    offSignals();
  }
}

async function rehearseWith(
  options: RehearsalOptions,
  reaper: Reaper,
  closing: Array<() => unknown>,
): Promise<RehearsalReport> {
  const { desired, plan } = options;
  const moto = options.endpoint ? undefined : await startMoto(desired.account, reaper);
  closing.push(() => moto?.stop());
  const url = options.endpoint ?? moto!.url;
  const aws = await emulatorSession(url, desired);
  closing.push(() => aws.close());
  const key = signingKey();
  const scope = { partition: desired.partition, account: desired.account, region: desired.region };
  const front = await startFront({
    moto: url,
    scope,
    publicKey: key.publicKey,
    roles: options.live ? fromEmulator(aws, desired) : fromFiles(desired, aws),
    now: () => new Date(),
  });
  closing.push(() => front.close());
  const ws = await prepareWorkspace(options.dir, plan.files, reaper);
  // the sandbox reaches the front (steps) and the emulator (seed) only through these sockets
  const frontBridge = { port: portOf(front.url), socket: join(ws.root, 'front.sock') };
  const emulatorBridge = { port: portOf(url), socket: join(ws.root, 'emulator.sock') };
  for (const [b, to] of [
    [frontBridge, front.url],
    [emulatorBridge, url],
  ] as const) {
    const r = await relay(b.socket, to);
    closing.push(() => r.close());
  }
  if (!options.live) {
    await seedIam(aws, desired);
    const seeded = await runSeed(ws, plan.seed, { url, bridge: emulatorBridge }, desired.account, desired.region);
    if (!seeded.ok)
      throw new RunError(`rehearse: creating what the steps expect in the emulator failed:\n${seeded.output.trim()}`);
  }
  for (const name of readdirSync(ws.aliases)) front.alias(name, readFileSync(join(ws.aliases, name), 'utf8').trim());
  const runs: RehearsalReport['runs'] = [];
  let build = 1;
  for (let run = 1; run <= options.runs; run++) {
    const steps: StepReport[] = [];
    for (const step of plan.steps) {
      const claims = stepClaims({
        ...options.identity,
        ...(step.environmentUuid ? { environmentUuid: step.environmentUuid } : {}),
        stepUuid: `{${randomUUID()}}`,
        pipelineUuid: `{${randomUUID()}}`,
        branch: 'main',
        now: Math.floor(Date.now() / 1000),
      });
      const result = await runStep(ws, step, {
        endpoint: front.url,
        bridge: frontBridge,
        region: desired.region,
        token: key.sign(claims),
        build: build++,
        repoUuid: options.identity.repoUuid,
        workspace: options.identity.workspace,
        branch: 'main',
      });
      const report: StepReport = {
        name: step.name,
        pipeline: step.pipeline,
        ...(step.environment ? { environment: step.environment } : {}),
        ...(step.image ? { image: step.image } : {}),
        inputs: step.inputs,
        ok: result.ok,
        calls: front.take(),
        recorded: result.recorded,
        left: result.left,
        output: result.output,
      };
      options.onStep?.(run, report);
      steps.push(report);
    }
    runs.push({ run, steps });
  }
  return { ok: runs.every((r) => r.steps.every((s) => s.ok)), endpoint: url, emulated: EMULATED, runs };
}
