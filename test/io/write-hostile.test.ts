/**
 * Writers against a hostile or unlucky folder: links out of the repository, a failure midway, two runs at
 * once, killed runs, the umask, a full, read-only or forbidden disk. Real file systems where this machine
 * allows (tmpfs mounts, chattr, another user), the built CLI throughout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  boundByPermissions,
  assertOneLineError,
  listFiles,
  readTree,
  runCliAsync,
  runNew,
  stagingLeftovers,
} from '../support/cli-helpers.ts';
import { STALE_LOCK_MS } from '../../src/io/write-guard.ts';
import { CLI, EXAMPLE, exampleFlags, renderRepo, runCli, tempDir } from '../support/fixtures.ts';

const PATHS = [...renderRepo(EXAMPLE).files.keys()].sort();

function withTemp(body: (root: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const tmp = tempDir();
    try {
      await body(tmp.path);
    } finally {
      tmp.cleanup();
    }
  };
}

const newInto = (root: string, dir: string, extra: string[] = [], flags = exampleFlags()) =>
  runNew([...flags, '--dir', dir, '--no-git', ...extra], root);

/** A folder outside the repository with one file: it must be the same after every run. */
function sentinel(root: string): () => void {
  const dir = join(root, 'outside');
  mkdirSync(dir);
  writeFileSync(join(dir, 'keep.txt'), 'untouched\n');
  return () => assert.equal(readTree(dir), new Map([['keep.txt', 'untouched\n']]), 'nothing written outside');
}

function canMount(): boolean {
  const probe = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe.path], { stdio: 'ignore' });
    execFileSync('umount', [probe.path]);
    return true;
  } catch {
    return false;
  } finally {
    probe.cleanup();
  }
}
const mounting = canMount() ? test : test.skip;
const asRoot = process.getuid?.() === 0 ? test : test.skip;

test(
  'new --force never writes through a linked folder that leads out of the repository',
  withTemp((root) => {
    const same = sentinel(root);
    mkdirSync(join(root, 'out'));
    symlinkSync(join(root, 'outside'), join(root, 'out', 'iam'));
    const r = newInto(root, 'out', ['--force']);
    assertOneLineError(r, 2, ['out/iam', 'symbolic link', 'outside']);
    same();
    assert.equal(readdirSync(join(root, 'out')), ['iam']);
    assert.equal(stagingLeftovers(root), []);
  }),
);

test(
  'new --force refuses to replace a linked file and a dangling link',
  withTemp((root) => {
    const same = sentinel(root);
    mkdirSync(join(root, 'out'));
    // a file we write in any folder (a non-empty one is added to, its own README kept)
    symlinkSync(join(root, 'outside', 'keep.txt'), join(root, 'out', 'bitbucket-pipelines.yml'));
    assertOneLineError(newInto(root, 'out', ['--force']), 2, ['bitbucket-pipelines.yml', 'symbolic link']);
    same();
    symlinkSync(join(root, 'nowhere'), join(root, 'out', 'terraform'));
    const r = newInto(root, 'out', ['--force']);
    assert.is(r.status, 2, r.stderr);
    same();
    assert.not.ok(existsSync(join(root, 'nowhere')));
  }),
);

test(
  'update never writes through a linked folder, even for files the manifest does not list',
  withTemp((root) => {
    const same = sentinel(root);
    assert.is(newInto(root, 'out', [], exampleFlags({ iac: 'terraform' })).status, 0);
    symlinkSync(join(root, 'outside'), join(root, 'out', 'cloudformation'));
    const before = readTree(join(root, 'out'));
    const r = runCli(['update', '--dir', 'out', '--iac', 'both'], { cwd: root });
    assertOneLineError(r, 2, ['cloudformation', 'symbolic link']);
    same();
    assert.equal(readTree(join(root, 'out')), before);
  }),
);

test(
  'a link inside the repository to a folder inside it is written through',
  withTemp((root) => {
    mkdirSync(join(root, 'out', 'real-iam'), { recursive: true });
    symlinkSync('real-iam', join(root, 'out', 'iam'));
    const r = newInto(root, 'out', ['--force']);
    assert.is(r.status, 0, r.stderr);
    assert.ok(lstatSync(join(root, 'out', 'iam')).isSymbolicLink());
    assert.ok(existsSync(join(root, 'out', 'real-iam', 'trust-policy.json')));
  }),
);

asRoot(
  'update is all or nothing: a failure midway puts back every file already replaced',
  withTemp((root) => {
    const out = join(root, 'out');
    assert.is(newInto(root, 'out').status, 0);
    const order = [...renderRepo(EXAMPLE).files.keys()];
    assert.ok(order.indexOf('terraform/terraform.tfvars') < order.indexOf('README.md'), 'tfvars is moved first');
    const before = readTree(out);
    // root ignores permission bits; an immutable folder refuses even root: README.md cannot be replaced
    execFileSync('chattr', ['+i', out]);
    let r;
    try {
      r = runCli(['update', '--dir', 'out', '--region', 'us-east-1'], { cwd: root });
    } finally {
      execFileSync('chattr', ['-i', out]);
    }
    assertOneLineError(r, 1, ['permission denied', 'out/README.md', 'was changed']);
    assert.equal(readTree(out), before, 'README, tfvars and manifest all still say the old region');
    assert.equal(stagingLeftovers(root), []);
    assert.equal(readdirSync(root).sort(), ['out']);
  }),
);

test(
  'a folder where a generated file goes: one line naming it, nothing changed',
  withTemp((root) => {
    const out = join(root, 'out');
    assert.is(newInto(root, 'out').status, 0);
    const before = readTree(out);
    execFileSync('rm', [join(out, 'terraform', 'terraform.tfvars')]);
    mkdirSync(join(out, 'terraform', 'terraform.tfvars'));
    const r = runCli(['update', '--dir', 'out', '--region', 'us-east-1', '--force'], { cwd: root });
    assertOneLineError(r, 1, ['terraform.tfvars', 'is a folder where a generated file goes']);
    before.delete('terraform/terraform.tfvars');
    assert.equal(readTree(out), before);
  }),
);

test(
  'two runs of new on one folder at once: one writes, the other says why it did not',
  withTemp(async (root) => {
    for (let round = 0; round < 3; round++) {
      const dir = `out${round}`;
      const env = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined };
      const run = (region: string) =>
        runCliAsync(['new', ...exampleFlags({ region }), '--dir', dir, '--no-git'], { cwd: root, env });
      const results = await Promise.all([run('eu-west-1'), run('us-east-1')]);
      const won = results.filter((r) => r.status === 0);
      assert.is(won.length, 1, results.map((r) => r.stderr).join(' | '));
      const lost = results.find((r) => r.status !== 0)!;
      assert.is(lost.status, 1);
      assert.match(lost.stderr, /another pipelines-oidc run|another run wrote it first|is not empty/);
      const tree = readTree(join(root, dir));
      const winner = won[0] === results[0] ? 'eu-west-1' : 'us-east-1';
      assert.ok(tree.get('terraform/terraform.tfvars')!.includes(winner), 'every file from the one run that won');
      assert.ok(tree.get('.pipelines-oidc.json')!.includes(winner));
    }
    assert.equal(stagingLeftovers(root), []);
    assert.equal(readdirSync(root).sort(), ['out0', 'out1', 'out2']);
  }),
);

test(
  'a lock held by a live run is respected; one left by a killed run is taken over, with its staging folders',
  withTemp((root) => {
    writeFileSync(join(root, '.out.pipelines-oidc.lock'), `${process.pid}\n`);
    assertOneLineError(newInto(root, 'out'), 1, [`another pipelines-oidc run (process ${process.pid})`, 'out']);
    assert.not.ok(existsSync(join(root, 'out')));
    // a process id no process has: the run that held it was killed
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(root, '.out.pipelines-oidc.lock'), `${dead}\n`);
    mkdirSync(join(root, `.out.pipelines-oidc-${dead}-0a1b2c3d`, 'iam'), { recursive: true });
    mkdirSync(join(root, '.out.pipelines-oidc-Xy12Zq'));
    const r = newInto(root, 'out');
    assert.is(r.status, 0, r.stderr);
    assert.equal(readdirSync(root).sort(), ['out']);
    assert.equal(listFiles(join(root, 'out')), PATHS);
  }),
);

test(
  'a stale lock is removed with a line saying so: a dead process on this host, or older than the bound',
  withTemp((root) => {
    const lock = join(root, '.out.pipelines-oidc.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const long = new Date(Date.now() - STALE_LOCK_MS - 60_000);
    const cases: Array<[string, string, Date | undefined, RegExp]> = [
      [
        'a dead process',
        `${dead}\n`,
        undefined,
        new RegExp(`\\(process ${dead}\\): process ${dead} is no longer running`),
      ],
      ['a dead process on this host', `${dead} ${hostname()}\n`, undefined, /is no longer running/],
      // a live process id on a lock that old is a reused id: a run holds the lock for seconds
      ['a live process, an old lock', `${process.pid}\n`, long, /older than 15 minutes/],
      ['another host, an old lock', `${dead} elsewhere.example\n`, long, /older than 15 minutes/],
    ];
    for (const [label, text, mtime, line] of cases) {
      rmSync(join(root, 'out'), { recursive: true, force: true });
      writeFileSync(lock, text);
      if (mtime) utimesSync(lock, mtime, mtime);
      const r = newInto(root, 'out');
      assert.is(r.status, 0, `${label}: ${r.stderr}`);
      assert.match(r.stderr, /pipelines-oidc: removed the stale lock .*\.out\.pipelines-oidc\.lock/, label);
      assert.match(r.stderr, line, label);
      assert.equal(readdirSync(root).sort(), ['out'], label);
    }
    // a process id of another host says nothing here: a recent lock of it is respected
    rmSync(join(root, 'out'), { recursive: true, force: true });
    writeFileSync(lock, `${dead} elsewhere.example\n`);
    assertOneLineError(newInto(root, 'out'), 1, [`another pipelines-oidc run (process ${dead} on elsewhere.example)`]);
  }),
);

test(
  'folders and files get the mode the umask gives',
  withTemp((root) => {
    for (const [umask, dirMode, fileMode] of [
      ['022', 0o755, 0o644],
      ['027', 0o750, 0o640],
    ] as const) {
      const dir = `out-${umask}`;
      const args = [CLI, 'new', ...exampleFlags(), '--dir', dir, '--no-git'];
      const r = spawnSync('sh', ['-c', `umask ${umask} && exec "$@"`, 'sh', process.execPath, ...args], {
        cwd: root,
        encoding: 'utf8',
      });
      assert.is(r.status, 0, r.stderr);
      assert.is(statSync(join(root, dir)).mode & 0o777, dirMode, `${dir} itself`);
      assert.is(statSync(join(root, dir, 'iam')).mode & 0o777, dirMode, `${dir}/iam`);
      assert.is(statSync(join(root, dir, 'README.md')).mode & 0o777, fileMode, `${dir}/README.md`);
    }
  }),
);

test(
  '--dir that is a link to an empty folder: written into the folder, the link stays',
  withTemp((root) => {
    mkdirSync(join(root, 'real'));
    symlinkSync('real', join(root, 'out'));
    const r = newInto(root, 'out');
    assert.is(r.status, 0, r.stderr);
    assert.is(readlinkSync(join(root, 'out')), 'real');
    assert.equal(listFiles(join(root, 'real')), PATHS);
  }),
);

test(
  '--dir that is a dangling link, or under a file: one line naming what is wrong',
  withTemp((root) => {
    symlinkSync('nowhere', join(root, 'out'));
    assertOneLineError(newInto(root, 'out'), 2, ['out is a symbolic link to a folder that does not exist']);
    assert.not.ok(existsSync(join(root, 'nowhere')));
    writeFileSync(join(root, 'afile'), 'x\n');
    assertOneLineError(newInto(root, 'afile/sub'), 1, ['/afile is a file, so ', '/afile/sub cannot be created in it']);
    assert.equal(readdirSync(root).sort(), ['afile', 'out']);
  }),
);

/** `body` on a small file system mounted (with mount's `options`) at `disk`, unmounted after. */
function onTmpfs(disk: string, options: string, body: (disk: string) => void): void {
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', disk]);
  try {
    body(disk);
  } finally {
    execFileSync('umount', [disk]);
  }
}

mounting(
  'a full disk: one line that says so and what to do, exit 1, nothing left behind',
  withTemp((root) => {
    onTmpfs(join(root, 'disk'), 'size=64k', (disk) => {
      // leave a few kilobytes: less than one repository
      spawnSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=1k', 'count=56'], { stdio: 'ignore' });
      const r = newInto(root, 'disk/out');
      assertOneLineError(r, 1, ['the disk is full', 'free some space']);
      assert.equal(readdirSync(disk), ['filler']);
    });
  }),
);

mounting(
  'a read-only file system: one line naming it, exit 1',
  withTemp((root) => {
    onTmpfs(join(root, 'disk'), 'ro,size=16k', (disk) => {
      assertOneLineError(newInto(root, 'disk/out'), 1, ['read-only file system', 'choose another folder']);
      assert.equal(readdirSync(disk), []);
    });
  }),
);

asRoot(
  'permission denied (as a user who may not write there): one line that says so and what to do',
  withTemp((root) => {
    mkdirSync(join(root, 'theirs'), { mode: 0o555 });
    const [command, ...args] = boundByPermissions([
      process.execPath,
      CLI,
      'new',
      ...exampleFlags(),
      '--dir',
      'theirs/out',
      '--no-git',
    ]);
    const r = spawnSync(command!, args, {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    });
    assertOneLineError(r, 1, ['permission denied', 'theirs', 'make it writable']);
    assert.equal(readdirSync(join(root, 'theirs')), []);
  }),
);

test.run();
