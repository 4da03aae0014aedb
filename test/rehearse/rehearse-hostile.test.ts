/**
 * `rehearse` on a repository someone else wrote: lines with commands it does not know are refused by
 * name before anything runs; with --allow-unknown-commands they run in the sandbox, which keeps writes
 * in the scratch copy and the network to the emulator; whatever ends a rehearsal ends its processes and
 * removes its scratch folder; step output reaches the terminal only through the sanitiser.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml, stringify } from 'yaml';
import { judgeLine } from '../../src/core/rehearse/commands.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { boundByPermissions, runNew } from '../support/cli-helpers.ts';
import { CLI, exampleAnswerFlags, ROOT, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

const EXAMPLE = join(ROOT, 'examples/phub-oidc-check');
const CHECK_PIPELINE = ['--pipeline', 'custom:test-aws-oidc', '--runs', '1'];

const ready = () =>
  hasTool('moto_server', "pip install 'moto[server]'") && hasTool('bwrap', 'apt-get install bubblewrap');

/** A copy of the example repository whose oidc check step also runs `lines`; with its own scratch TMPDIR. */
function hostileRepo(lines: string[], parent = tempDir().path): { dir: string; tmp: string } {
  const dir = mkdtempSync(join(parent, 'repo-'));
  cpSync(EXAMPLE, dir, { recursive: true, force: true });
  const file = join(dir, 'bitbucket-pipelines.yml');
  const doc = parseYaml(readFileSync(file, 'utf8')) as {
    pipelines: { custom: Record<string, Array<{ step: { script: string[] } }>> };
  };
  doc.pipelines.custom['test-aws-oidc']![0]!.step.script.push(...lines);
  writeFileSync(file, stringify(doc));
  const tmp = join(parent, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return { dir, tmp };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function rehearse(
  dir: string,
  args: string[],
  tmp: string,
  onStart: (pid: number) => void = () => {},
  argv = (a: string[]) => a,
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const [cmd, ...rest] = argv([process.execPath, CLI, 'rehearse', dir, ...args]);
    const child = spawn(cmd!, rest, {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, TMPDIR: tmp, ...env } as NodeJS.ProcessEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('spawn', () => onStart(child.pid!));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Processes of this machine whose command line contains `text` (the sandbox's pid namespace included). */
function processes(text: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Children of `pid` named `name`. */
function childrenNamed(pid: number, name: string): number[] {
  return processes(name).filter((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
}

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

/** Those of `pids` still running once SIGKILL has had its effect (it is sent, not waited for). */
async function stillAlive(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

/** A TCP server on another loopback port: what a step must not reach. */
async function listener(): Promise<{ port: number; connections: () => number; close: () => void }> {
  let count = 0;
  const server = createServer((c) => {
    count++;
    c.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () => server.close(),
  };
}

async function hostileLines(parent: string) {
  const server = await listener();
  const outside = join(parent, 'outside');
  mkdirSync(outside);
  const secret = join(parent, 'secret.txt');
  writeFileSync(secret, 'not for the repository\n');
  const lines = [
    `touch ${outside}/written || true`,
    `head ${secret} || true`,
    `curl -s -m 5 http://127.0.0.1:${server.port}/exfil || true`,
  ];
  return { server, outside, lines };
}

/** `body` on a copy of the example that runs the hostile lines, with what they aim at; the listener is closed after. */
async function withHostileLines(
  body: (h: Awaited<ReturnType<typeof hostileLines>> & ReturnType<typeof hostileRepo>) => Promise<void>,
): Promise<void> {
  const parent = tempDir().path;
  const hostile = await hostileLines(parent);
  try {
    await body({ ...hostile, ...hostileRepo(hostile.lines, parent) });
  } finally {
    hostile.server.close();
  }
}

test('judgeLine: names every unknown command, in substitutions, pipes and lists too, and what it cannot read', () => {
  const shims = ['docker', 'git'];
  const unknown = (line: string, strict = false) => judgeLine(line, shims, strict).unknown;
  assert.equal(unknown('x="$(aws sts get-caller-identity)" && echo "$x" | sed -E \'s#a#b#\'; docker push "$x"'), []);
  assert.equal(unknown('echo "$(curl -s http://h)" | tee out; head /etc/shadow'), ['curl', 'tee', 'head']);
  assert.equal(unknown('echo "${X:-$(rm -rf ~)}"'), ['rm']);
  assert.equal(unknown('$tool run'), ['$tool']);
  assert.equal(unknown('./build.sh'), ['./build.sh']);
  assert.match(unknown('echo `id`')[0]!, /cannot read \(a backtick substitution\)/);
  assert.match(unknown('cat <<EOF')[0]!, /cannot read \(a here-document\)/);
  assert.equal(unknown('if true; then echo; fi'), ['if', 'then', 'fi']);
  assert.match(unknown('node -e "require(\'child_process\')"')[0]!, /^node \(only node -p/);
  assert.match(unknown("sed 's/a/b/e'")[0]!, /^sed/);
  assert.match(unknown('git -c core.pager=sh log')[0]!, /^git/);
  assert.match(unknown('aws --endpoint-url http://elsewhere s3 ls')[0]!, /^aws/);
  // without a sandbox, literal paths out of the working copy too
  assert.equal(unknown('echo x > /etc/cron.d/x'), []);
  assert.equal(unknown('echo x > /etc/cron.d/x', true), ['a redirection to /etc/cron.d/x']);
  assert.equal(unknown('echo x 2> /dev/null', true), []);
  // a known command is only known while PATH, the shell's start-up files and the CLI's configuration are ours
  assert.equal(unknown('PATH="$PWD/bin:$PATH"'), ['setting PATH']);
  assert.equal(unknown('export PATH=./bin; aws s3 ls'), ['setting PATH']);
  assert.equal(unknown('BASH_ENV=./x.sh echo'), ['setting BASH_ENV']);
  assert.equal(unknown('export AWS_CONFIG_FILE=./config LD_PRELOAD'), [
    'setting AWS_CONFIG_FILE',
    'setting LD_PRELOAD',
  ]);
  assert.equal(unknown('AWS_ENDPOINT_URL=http://elsewhere aws s3 ls'), ['setting AWS_ENDPOINT_URL']);
  // what the generated steps set for themselves
  assert.equal(unknown('export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"'), []);
  assert.equal(unknown('export AWS_ROLE_ARN="$AWS_OIDC_ROLE_ARN" AWS_ROLE_SESSION_NAME=x; version=1'), []);
});

/** A PATH with every command of this one but `tool`. */
function pathWithout(tool: string, parent: string): string {
  const bin = join(parent, 'bin');
  mkdirSync(bin);
  for (const dir of (process.env['PATH'] ?? '').split(':').filter(Boolean)) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names)
      if (name !== tool && !existsSync(join(bin, name))) symlinkSync(join(dir, name), join(bin, name));
  }
  return bin;
}

test('rehearse without a sandbox: it says so, runs known lines, and refuses --allow-unknown-commands', async () => {
  if (!ready()) return;
  const parent = tempDir().path;
  const { dir, tmp } = hostileRepo(['echo known-line'], parent);
  const env = { PATH: pathWithout('bwrap', parent) };
  const known = await rehearse(dir, [...CHECK_PIPELINE, '--json'], tmp, undefined, undefined, env);
  assert.is(known.code, 0, known.stderr);
  const report = JSON.parse(known.stdout) as { sandbox: { tool: unknown; missing: string } };
  assert.is(report.sandbox.tool, null);
  assert.match(report.sandbox.missing, /bubblewrap \(bwrap\) is not installed/);
  const text = await rehearse(dir, CHECK_PIPELINE, tmp, undefined, undefined, env);
  assert.match(text.stdout, /WITHOUT a sandbox/);
  const { dir: unknownDir } = hostileRepo(['sleep 1236'], parent);
  const refused = await rehearse(
    unknownDir,
    [...CHECK_PIPELINE, '--allow-unknown-commands'],
    tmp,
    undefined,
    undefined,
    env,
  );
  assert.is(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /sleep 1236\n    unknown: sleep/);
  assert.match(refused.stderr, /--allow-unknown-commands needs the sandbox/);
  assert.equal(readdirSync(tmp), []);
});

test('rehearse: a line with commands it does not know is refused by name and nothing runs', async () => {
  if (!ready()) return;
  await withHostileLines(async ({ dir, tmp, outside, lines, server }) => {
    const r = await rehearse(dir, CHECK_PIPELINE, tmp);
    assert.is(r.code, 2, r.stdout + r.stderr);
    ['touch', 'head', 'curl'].forEach((command, i) => {
      assert.ok(r.stderr.includes(`${lines[i]}\n    unknown: ${command}`), r.stderr);
    });
    assert.match(r.stderr, /--allow-unknown-commands/);
    assert.is(r.stdout, '');
    assert.equal(readdirSync(outside), []);
    assert.is(server.connections(), 0);
    assert.equal(readdirSync(tmp), [], 'no scratch folder was made');
  });
});

test('rehearse --allow-unknown-commands: the lines run in the sandbox, which keeps writes in the scratch copy and reaches no other port', async () => {
  if (!ready()) return;
  await withHostileLines(async ({ dir, tmp, outside, lines, server }) => {
    const r = await rehearse(dir, [...CHECK_PIPELINE, '--allow-unknown-commands'], tmp);
    assert.is(r.code, 0, r.stdout + r.stderr);
    // every line is shown before it runs
    const shown = r.stdout.indexOf('Lines that will run');
    for (const l of lines) assert.ok(r.stdout.indexOf(`$ ${l}`) > shown && shown >= 0, r.stdout);
    assert.match(r.stdout, /in a sandbox \(bubblewrap\)/);
    assert.equal(readdirSync(outside), []);
    assert.is(server.connections(), 0);
    assert.equal(readdirSync(tmp), []);
  });
});

test('rehearse --json: the plan of every line and the sandbox are in the report', async () => {
  if (!ready()) return;
  const { dir, tmp } = hostileRepo(['echo planned-line']);
  const r = await rehearse(dir, [...CHECK_PIPELINE, '--json'], tmp);
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { sandbox: { tool: string }; plan: Array<{ lines: Array<{ line: string }> }> };
  assert.is(report.sandbox.tool, 'bubblewrap');
  assert.ok(report.plan.some((p) => p.lines.some((l) => l.line === 'echo planned-line')));
});

for (const [what, line] of [
  ['holding its output open', 'sleep 1231 &'],
  ['with its output closed', 'sleep 1232 > /dev/null 2>&1 &'],
] as const) {
  test(`rehearse: a step that leaves a process running (${what}) fails naming it, and the process ends`, async () => {
    if (!ready()) return;
    const { dir, tmp } = hostileRepo([line]);
    const marker = line.split(' ').slice(0, 2).join(' ');
    const r = await rehearse(dir, [...CHECK_PIPELINE, '--allow-unknown-commands'], tmp);
    assert.is(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`left running: ${marker}`));
    assert.match(r.stdout, /✖ 1 of 1 step runs failed/);
    assert.equal(processes(marker), []);
    assert.equal(readdirSync(tmp), []);
  });
}

for (const [signal, exit] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  test(`rehearse: ${signal} ends moto_server and the step's processes and removes the scratch folder`, async () => {
    if (!ready()) return;
    const marker = `sleep ${signal === 'SIGTERM' ? 1233 : 1234}`;
    const { dir, tmp } = hostileRepo([marker]);
    let motoPids: number[] = [];
    const r = await rehearse(dir, [...CHECK_PIPELINE, '--allow-unknown-commands'], tmp, (pid) => {
      // once the step sleeps, the rehearsal is in full swing: then the signal
      const poll = setInterval(() => {
        if (!processes(marker).length) return;
        clearInterval(poll);
        motoPids = childrenNamed(pid, 'moto_server');
        process.kill(pid, signal);
      }, 50);
    });
    assert.is(r.code, exit, r.stdout + r.stderr);
    assert.ok(motoPids.length > 0, 'moto_server was running');
    assert.equal(await stillAlive(motoPids), []);
    assert.equal(processes(marker), []);
    assert.equal(readdirSync(tmp), []);
  });
}

test('rehearse: terminal escapes in a failed step output are shown escaped', async () => {
  if (!ready()) return;
  const { dir, tmp } = hostileRepo([String.raw`printf '\033]0;retitled\007\033[31mred\n'`, 'exit 1']);
  const r = await rehearse(dir, CHECK_PIPELINE, tmp);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.not.match(r.stdout, /\u001b|\u0007/);
  assert.match(r.stdout, /\\u\{1b\}\[31mred/);
});

test('rehearse: a file it cannot read into the scratch copy is a run failure of one line, and the scratch folder goes', async () => {
  if (!ready()) return;
  const { dir, tmp } = hostileRepo([]);
  writeFileSync(join(dir, 'unreadable.txt'), 'x');
  chmodSync(join(dir, 'unreadable.txt'), 0o000);
  const r = await rehearse(dir, CHECK_PIPELINE, tmp, undefined, boundByPermissions);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /^pipelines-oidc: rehearse: EACCES: permission denied[^\n]*\n$/);
  assert.equal(readdirSync(tmp), []);
});

test('rehearse: a symbolic link in the repository that leads outside is not followed when the inputs are made up', async () => {
  if (!ready()) return;
  const parent = tempDir().path;
  const site = BUILT_IN_TARGETS.find((t) => t.id === 's3-static-site')!;
  const made = runNew(
    [
      'linked',
      ...exampleAnswerFlags({ iac: 'none' }),
      '--no-git',
      '--yes',
      '--target',
      'sts-check,s3-static-site',
      ...site.questions.flatMap((q) => [`--${q.flag}`, q.example]),
      '--dir',
      join(parent, 'repo'),
    ],
    parent,
  );
  assert.is(made.status, 0, made.stderr);
  const siteDir = site.questions.find((q) => q.name === 'siteDir')!.example;
  const outside = join(parent, 'outside');
  mkdirSync(outside);
  const linked = join(parent, 'repo', siteDir);
  rmSync(linked, { recursive: true, force: true });
  symlinkSync(outside, linked);
  const tmp = join(parent, 'tmp');
  mkdirSync(tmp);
  await rehearse(join(parent, 'repo'), CHECK_PIPELINE, tmp);
  assert.equal(readdirSync(outside), []);
  assert.equal(readdirSync(tmp), []);
});

test('rehearse: a symbolic link that leads out of the repository is not in the scratch copy; one that stays inside is', async () => {
  if (!ready()) return;
  const parent = tempDir().path;
  const { dir, tmp } = hostileRepo(
    [
      '[ ! -e linked-out ] || { echo "the link out was copied"; exit 1; }',
      '[ -f linked-in ] || { echo "the link inside was not copied"; exit 1; }',
    ],
    parent,
  );
  mkdirSync(join(parent, 'outside'));
  symlinkSync(join(parent, 'outside'), join(dir, 'linked-out'));
  symlinkSync('README.md', join(dir, 'linked-in'));
  const r = await rehearse(dir, CHECK_PIPELINE, tmp);
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test.run();
