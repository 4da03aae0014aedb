/** Helpers for suites that run the built CLI: what it wrote, and how it failed. */
import { spawn, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as assert from 'uvu/assert';
import { CLI, exampleAnswerFlags, ROOT, runCli, tempDir } from './fixtures.ts';

/**
 * `pipelines-oidc new …` through the built CLI, with `env` over the test process's environment, less
 * what would change the outcome: the machine's AWS region variables (`new` falls back to them), and
 * FORCE_COLOR, which uvu sets: beside runCli's NO_COLOR it makes Node print a warning on stderr.
 */
export function runNew(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): SpawnSyncReturns<string> {
  return runCli(['new', ...args], {
    cwd,
    env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, FORCE_COLOR: undefined, ...env },
  });
}

/**
 * A repository `new` generates from the example answers (Terraform and CloudFormation) and `flags` (the
 * targets and their answers), in a folder of its own: its path. The test fails if `new` does.
 */
export function generatedRepository(name: string, flags: string[]): string {
  const parent = tempDir().path;
  const dir = join(parent, 'repo');
  const made = runNew(
    [name, ...exampleAnswerFlags({ iac: 'both' }), '--no-git', '--yes', ...flags, '--dir', dir],
    parent,
  );
  assert.is(made.status, 0, made.stderr);
  return dir;
}

/** `rehearse <dir> --json --runs 1`: the report it printed (the test fails if it printed none). */
export async function rehearseOnce<Report>(dir: string): Promise<Report> {
  const r = await rehearseCli(dir, ['--json', '--runs', '1']);
  assert.ok(r.stdout.startsWith('{'), `rehearse printed no report: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

/** `rehearse <dir> …` with the built CLI, without blocking this process (a test's emulator must answer). */
export async function rehearseCli(
  dir: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCliAsync(['rehearse', dir, ...args], { cwd: process.cwd(), env });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` as sorted relative paths with `/`, the shape `--json` reports. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** Every file under `dir`: relative path → bytes as text. */
export function readTree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((p) => [p, readFileSync(join(dir, p), 'utf8')]));
}

/** Staging folders `write.ts` creates beside a target (`.<name>.pipelines-oidc-XXXXXX`) left in `parent`. */
export function stagingLeftovers(parent: string): string[] {
  return readdirSync(parent).filter((n) => /^\..*\.pipelines-oidc-/.test(n));
}

/**
 * A failure as the CLI promises it: the exit code, exactly one stderr line `pipelines-oidc: …`
 * containing every fragment, and nothing on stdout (unless the failure came after some work was done).
 */
/** What a run of a command gave, in a process of its own (runCli) or in this one (runInProcess). */
export type Ran = Pick<SpawnSyncReturns<string>, 'status' | 'stdout' | 'stderr'>;

export function assertOneLineError(r: Ran, exitCode: number, fragments: string[], { quiet = true } = {}): string {
  assert.is(r.status, exitCode, `exit code (stderr: ${r.stderr})`);
  if (quiet) assert.is(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.split('\n');
  assert.is(lines.length, 2, `one stderr line, got: ${r.stderr}`);
  assert.is(lines[1], '', 'stderr ends with a newline');
  const line = lines[0]!;
  assert.ok(line.startsWith('pipelines-oidc: '), line);
  for (const f of fragments) assert.ok(line.includes(f), `stderr names ${JSON.stringify(f)}: ${line}`);
  return line;
}

/** Parses stdout that must be one JSON value and nothing else. */
export function onlyJson(r: Ran): unknown {
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown;
}

/**
 * The built CLI without blocking this process: for suites whose server (a local IAM endpoint, say) runs
 * in the test process and must answer while the CLI waits. Same result shape as runCli.
 */
export function runCliAsync(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<SpawnSyncReturns<string>> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(
      Object.entries({ ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as Record<string, string>;
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) =>
      resolve({ pid: child.pid ?? 0, output: [null, stdout, stderr], stdout, stderr, status, signal }),
    );
  });
}

/**
 * `argv` run so that file permissions bind it. Root reads and writes everything: a permission test runs
 * the CLI as root without the capabilities that override permissions (setpriv), so it needs neither
 * another user nor a checkout and a Node that other users can read. Any other user is bound already.
 */
export function boundByPermissions(argv: string[]): string[] {
  return process.getuid?.() === 0
    ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--', ...argv]
    : argv;
}

/** The variables of this process starting with one of `prefixes`, unset: the machine's own settings must not leak in. */
export function unsetting(...prefixes: string[]): Record<string, undefined> {
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => prefixes.some((p) => k.startsWith(p)))
      .map((k) => [k, undefined]),
  );
}
