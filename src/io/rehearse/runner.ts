/**
 * Runs a step's script with bash as Bitbucket would: in a fresh clone (a scratch copy with one commit),
 * with the step's variables and OIDC token, the AWS CLI pointed at the rehearsal front, and the shims
 * first on PATH, in the sandbox when there is one. The step fails at its first failing command, and
 * when it leaves a process running.
 */
import { spawn } from 'node:child_process';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TokenClaims } from '../../core/check/index.js';
import { type RehearsalStep, reservedVariable } from '../../core/rehearse/index.js';
import { shQuote } from '../../core/util/index.js';
import { killGroup, type Reaper } from './reaper.js';
import { installSupervisor, scriptCommand } from './sandbox.js';
import { SHIMS } from './shims.js';
import { RunError } from '../../errors.js';

export interface Workspace {
  root: string;
  /** The scratch repository every step's clone is copied from. */
  clone: string;
  commit: string;
  shims: string;
  aliases: string;
  /** What the steps pushed to the repository's remote (tags), kept across runs. */
  remote: string;
  supervisor: string;
  reaper: Reaper;
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

interface Exit {
  code: number;
  output: string;
  /** Command lines of the processes the script left running (ended since). */
  left: string[];
}

/**
 * The supervisor writes its report as the last line, once every other process of the script has ended,
 * so an earlier line on the same pipe is not its own; a report it did not finish fails the step.
 */
function supervisorReport(text: string): { code: number | null; left: string[] } | undefined {
  const last = text.trimEnd().split('\n').pop();
  if (!last) return undefined;
  try {
    const r = JSON.parse(last) as { code?: unknown; left?: unknown };
    if ((typeof r.code === 'number' || r.code === null) && Array.isArray(r.left))
      return { code: r.code, left: r.left.map(String) };
  } catch {
    // cut short
  }
  return { code: 1, left: [] };
}

/**
 * Runs a command in a process group of its own, which ends with it (and with the rehearsal, whatever
 * ends that). A supervised script reports its exit status and what it left behind on fd 3.
 */
function exec(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; reaper: Reaper },
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const forget = options.reaper.add(() => killGroup(child.pid));
    let output = '';
    let report = '';
    const timer = setTimeout(() => {
      output += `\nstopped after ${STEP_TIMEOUT_MS / 1000} s\n`;
      killGroup(child.pid);
    }, STEP_TIMEOUT_MS);
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.stdio[3]!.on('data', (c: Buffer) => (report += c.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      forget();
      reject(e);
    });
    // whatever the command started ends with it, so nothing holds its output open
    child.on('exit', () => killGroup(child.pid));
    child.on('close', (code) => {
      clearTimeout(timer);
      forget();
      const supervised = supervisorReport(report);
      resolve({ code: supervised ? (supervised.code ?? 1) : (code ?? 1), output, left: supervised?.left ?? [] });
    });
  });
}

const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Rehearsal',
  GIT_AUTHOR_EMAIL: 'rehearsal@localhost',
  GIT_COMMITTER_NAME: 'Rehearsal',
  GIT_COMMITTER_EMAIL: 'rehearsal@localhost',
};

const within = (dir: string, path: string) => path === dir || path.startsWith(dir + sep);

/**
 * Copies what a step may see: no .git, no Terraform state, and no symbolic link that leads out of the
 * repository (only relative links that stay inside are kept, as they are), so nothing written into the
 * copy lands elsewhere.
 */
function copyRepository(repoDir: string, clone: string): void {
  const top = resolve(repoDir);
  cpSync(repoDir, clone, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => {
      if (/[\\/](\.git|\.terraform|terraform\.tfstate[^\\/]*)$/.test(src)) return false;
      if (!lstatSync(src).isSymbolicLink()) return true;
      const target = readlinkSync(src);
      return !isAbsolute(target) && within(top, resolve(dirname(src), target));
    },
  });
}

/**
 * Writes a made-up input unless the repository has it (or has the file it goes along with), never through
 * a link out of the copy; answers whether it wrote it.
 */
function writeInput(
  clone: string,
  file: { path: string; content: string; alongside?: string },
  madeUp: Set<string>,
): boolean {
  const path = resolve(clone, file.path);
  if (!within(clone, path) || relative(clone, path) === '') return false;
  if (file.alongside !== undefined && !madeUp.has(resolve(clone, file.alongside))) return false;
  try {
    lstatSync(path);
    return false;
  } catch {
    // absent: made up below
  }
  mkdirSync(dirname(path), { recursive: true });
  if (!within(realpathSync(clone), realpathSync(dirname(path)))) return false;
  writeFileSync(path, file.content, { flag: 'wx' });
  return true;
}

/**
 * The scratch folder (removed by the reaper, whatever ends the rehearsal): a copy of the repository plus
 * the files the steps read, committed once, the shims and the supervisor.
 */
export async function prepareWorkspace(
  repoDir: string,
  files: Array<{ path: string; content: string; alongside?: string }>,
  reaper: Reaper,
): Promise<Workspace> {
  const root = mkdtempSync(join(tmpdir(), 'pipelines-oidc-rehearse-'));
  reaper.add(() => rmSync(root, { recursive: true, force: true }));
  const clone = join(root, 'repository');
  copyRepository(repoDir, clone);
  const madeUp = new Set<string>();
  for (const f of files) if (writeInput(clone, f, madeUp)) madeUp.add(resolve(clone, f.path));
  const env = { ...process.env, ...GIT_IDENTITY };
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'rehearsal'],
  ]) {
    const r = await exec('git', args, { cwd: clone, env, reaper });
    if (r.code !== 0) throw new RunError(`rehearse: git ${args[0]} in the scratch copy failed: ${r.output.trim()}`);
  }
  const commit = (await exec('git', ['rev-parse', 'HEAD'], { cwd: clone, env, reaper })).output.trim();
  const shims = join(root, 'shims');
  mkdirSync(shims);
  for (const [name, text] of Object.entries(SHIMS)) {
    writeFileSync(join(shims, name), text);
    chmodSync(join(shims, name), 0o755);
  }
  const aliases = join(root, 'aliases');
  mkdirSync(aliases);
  const remote = join(root, 'remote');
  mkdirSync(remote);
  return { root, clone, commit, shims, aliases, remote, supervisor: installSupervisor(root), reaper };
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

/** Variables a repository may not set for its step: they change which programs run, or where the CLI talks. */
const RESERVED_VARIABLE = reservedVariable(['OIDC_ROLE_ARN', 'DEFAULT_REGION', 'REGION']);

/** Runs a script supervised, in the sandbox when there is one; `bridge` is the one port it may reach. */
async function runScript(
  ws: Workspace,
  script: string,
  options: { cwd: string; writable: string[]; env: NodeJS.ProcessEnv; bridge: Bridge },
): Promise<Exit> {
  const command = scriptCommand({
    supervisor: ws.supervisor,
    root: ws.root,
    writable: options.writable,
    cwd: options.cwd,
    script,
    bridge: options.bridge,
  });
  // inside, the emulator or front is the forwarder on the sandbox's own loopback, and /tmp is private;
  // outside, temporary files stay in the scratch folder, which goes with the rehearsal
  const env = command.isolated
    ? { ...options.env, TMPDIR: '/tmp', AWS_ENDPOINT_URL: `http://127.0.0.1:${options.bridge.port}` }
    : { ...options.env, TMPDIR: mkdtempSync(join(options.writable[0]!, 'tmp-')) };
  const r = await exec(command.cmd, command.args, { cwd: options.cwd, env, reaper: ws.reaper });
  if (!r.left.length) return r;
  return {
    ...r,
    code: r.code || 1,
    output: `${r.output}\nthe step left ${r.left.length === 1 ? 'a process' : 'processes'} running (ended now): ${r.left.join('; ')}\n`,
  };
}

/** The emulator's port as the sandbox sees it, and the unix socket in the scratch folder that leads there. */
export interface Bridge {
  port: number;
  socket: string;
}

/** Runs the seed commands with full rights against the emulator itself. */
export async function runSeed(
  ws: Workspace,
  lines: string[],
  emulator: { url: string; bridge: Bridge },
  account: string,
  region: string,
): Promise<{ ok: boolean; output: string }> {
  if (!lines.length) return { ok: true, output: '' };
  const home = join(ws.root, 'seed');
  mkdirSync(home, { recursive: true });
  const env = {
    ...awsEnv(emulator.url, home, region),
    AWS_ACCESS_KEY_ID: `AKIA${account}SEED`,
    AWS_SECRET_ACCESS_KEY: 'rehearsal',
    REHEARSAL_ALIASES: ws.aliases,
    REHEARSAL_TMP: home,
  };
  const r = await runScript(ws, lines.join('\n'), {
    cwd: home,
    writable: [home, ws.aliases],
    env,
    bridge: emulator.bridge,
  });
  return { ok: r.code === 0, output: r.output };
}

export interface StepResult {
  ok: boolean;
  output: string;
  /** Commands the shims stood in for. */
  recorded: string[];
  /** Command lines of the processes the step left running. */
  left: string[];
}

export async function runStep(
  ws: Workspace,
  step: RehearsalStep,
  options: {
    endpoint: string;
    bridge: Bridge;
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
  cpSync(ws.clone, clone, { recursive: true, verbatimSymlinks: true });
  const home = join(dir, 'home');
  mkdirSync(home);
  const recordFile = join(dir, 'recorded');
  writeFileSync(recordFile, '');
  const env: NodeJS.ProcessEnv = {
    ...awsEnv(options.endpoint, home, options.region),
    PATH: `${ws.shims}:${process.env['PATH'] ?? ''}`,
    REHEARSAL_SHIMS: ws.shims,
    REHEARSAL_RECORD: recordFile,
    REHEARSAL_REMOTE: ws.remote,
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
    ...Object.fromEntries(Object.entries(step.variables).filter(([name]) => !RESERVED_VARIABLE.test(name))),
    ...GIT_IDENTITY,
  };
  // each line as Bitbucket runs it, echoed first; the first failure ends the step
  const script = step.script.map((line) => `printf '+ %s\\n' ${shQuote(line)}\n${line}`).join('\n');
  const r = await runScript(ws, script, { cwd: clone, writable: [dir, ws.remote], env, bridge: options.bridge });
  // the step may have removed the file: then it recorded nothing
  const recorded = existsSync(recordFile) ? readFileSync(recordFile, 'utf8').split('\n').filter(Boolean) : [];
  rmSync(dir, { recursive: true, force: true });
  return { ok: r.code === 0, output: r.output, recorded, left: r.left };
}
