/**
 * Runs a step's script with bash as Bitbucket would: in a fresh clone (a scratch copy with one commit),
 * with the step's variables and OIDC token, the AWS CLI pointed at the rehearsal front, and the shims
 * first on PATH. The step fails at its first failing command.
 */
import { spawn } from 'node:child_process';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TokenClaims } from '../../core/check/token.js';
import type { RehearsalStep } from '../../core/rehearse/plan.js';
import { shQuote } from '../../core/shell.js';
import { SHIMS } from './shims.js';

export interface Workspace {
  root: string;
  /** The scratch repository every step's clone is copied from. */
  clone: string;
  commit: string;
  shims: string;
  aliases: string;
  remove(): void;
}

/** RS256 keys of this rehearsal: the front verifies what the runner signs. */
export function signingKey(): { publicKey: string; sign(claims: TokenClaims): string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign(claims) {
      const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'rehearsal' })}.${b64(claims)}`;
      return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
    },
  };
}

/** A step that hangs (a waiter that never succeeds) is stopped after this long, with its whole process group. */
const STEP_TIMEOUT_MS = 300_000;

function exec(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const timer = setTimeout(() => {
      output += `\nstopped after ${STEP_TIMEOUT_MS / 1000} s\n`;
      process.kill(-child.pid!, 'SIGKILL');
    }, STEP_TIMEOUT_MS);
    child.on('close', () => clearTimeout(timer));
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Rehearsal',
  GIT_AUTHOR_EMAIL: 'rehearsal@localhost',
  GIT_COMMITTER_NAME: 'Rehearsal',
  GIT_COMMITTER_EMAIL: 'rehearsal@localhost',
};

/** A copy of the repository (without .git and Terraform state) plus the files the steps read, committed once. */
export async function prepareWorkspace(
  repoDir: string,
  files: Array<{ path: string; content: string }>,
): Promise<Workspace> {
  const root = mkdtempSync(join(tmpdir(), 'pipelines-oidc-rehearse-'));
  const clone = join(root, 'repository');
  cpSync(repoDir, clone, {
    recursive: true,
    filter: (src) => !/[\\/](\.git|\.terraform|terraform\.tfstate[^\\/]*)$/.test(src),
  });
  for (const f of files) {
    const path = join(clone, f.path);
    if (existsSync(path)) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  const env = { ...process.env, ...GIT_IDENTITY };
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'rehearsal'],
  ]) {
    const r = await exec('git', args, { cwd: clone, env });
    if (r.code !== 0) throw new Error(`git ${args[0]} in the scratch copy failed: ${r.output.trim()}`);
  }
  const commit = (await exec('git', ['rev-parse', 'HEAD'], { cwd: clone, env })).output.trim();
  const shims = join(root, 'shims');
  mkdirSync(shims);
  for (const [name, text] of Object.entries(SHIMS)) {
    writeFileSync(join(shims, name), text);
    chmodSync(join(shims, name), 0o755);
  }
  const aliases = join(root, 'aliases');
  mkdirSync(aliases);
  return { root, clone, commit, shims, aliases, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Environment of a process that talks only to the rehearsal: no profile, no instance metadata, no keys. */
export function awsEnv(endpoint: string, home: string, region: string): NodeJS.ProcessEnv {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TERM', 'PYENV_ROOT', 'PYENV_VERSION', 'TMPDIR'];
  return {
    ...Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
    HOME: home,
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_DEFAULT_REGION: region,
    AWS_PAGER: '',
  };
}

/** Runs the seed commands with full rights against the emulator itself. */
export async function runSeed(
  ws: Workspace,
  lines: string[],
  motoUrl: string,
  account: string,
  region: string,
): Promise<{ ok: boolean; output: string }> {
  if (!lines.length) return { ok: true, output: '' };
  const home = join(ws.root, 'seed');
  mkdirSync(home, { recursive: true });
  const env = {
    ...awsEnv(motoUrl, home, region),
    AWS_ACCESS_KEY_ID: `AKIA${account}SEED`,
    AWS_SECRET_ACCESS_KEY: 'rehearsal',
    REHEARSAL_ALIASES: ws.aliases,
    REHEARSAL_TMP: home,
  };
  const r = await exec('bash', ['-e', '-c', lines.join('\n')], { cwd: home, env });
  return { ok: r.code === 0, output: r.output };
}

export interface StepResult {
  ok: boolean;
  output: string;
  /** Commands the shims stood in for. */
  recorded: string[];
}

export async function runStep(
  ws: Workspace,
  step: RehearsalStep,
  options: {
    endpoint: string;
    region: string;
    token: string;
    build: number;
    repoUuid: string;
    workspace: string;
    branch: string;
  },
): Promise<StepResult> {
  const dir = mkdtempSync(join(ws.root, 'step-'));
  const clone = join(dir, 'build');
  cpSync(ws.clone, clone, { recursive: true });
  const home = join(dir, 'home');
  mkdirSync(home);
  const recordFile = join(dir, 'recorded');
  writeFileSync(recordFile, '');
  const env: NodeJS.ProcessEnv = {
    ...awsEnv(options.endpoint, home, options.region),
    PATH: `${ws.shims}:${process.env['PATH'] ?? ''}`,
    REHEARSAL_SHIMS: ws.shims,
    REHEARSAL_RECORD: recordFile,
    CI: 'true',
    BITBUCKET_BUILD_NUMBER: String(options.build),
    BITBUCKET_COMMIT: ws.commit,
    BITBUCKET_BRANCH: options.branch,
    BITBUCKET_CLONE_DIR: clone,
    BITBUCKET_REPO_UUID: `{${options.repoUuid}}`,
    BITBUCKET_WORKSPACE: options.workspace,
    BITBUCKET_PIPELINE_UUID: `{${randomUUID()}}`,
    BITBUCKET_STEP_UUID: `{${randomUUID()}}`,
    BITBUCKET_STEP_OIDC_TOKEN: options.token,
    ...(step.environment ? { BITBUCKET_DEPLOYMENT_ENVIRONMENT: step.environment } : {}),
    ...step.variables,
    ...GIT_IDENTITY,
  };
  // each line as Bitbucket runs it, echoed first; the first failure ends the step
  const script = step.script.map((line) => `printf '+ %s\\n' ${shQuote(line)}\n${line}`).join('\n');
  const r = await exec('bash', ['-e', '-c', script], { cwd: clone, env });
  const recorded = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  return { ok: r.code === 0, output: r.output, recorded };
}
