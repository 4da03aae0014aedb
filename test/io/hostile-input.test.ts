/**
 * Hostile input to the commands that read other people's files (`check`, `update --diff`, `workshop grade`,
 * the flags naming files): nothing outside the repository is read or shown, every read is bounded, nothing
 * slow can be smuggled in as a pattern, and no control character reaches the terminal.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pipelineFindings } from '../../src/core/check/findings.ts';
import { runChecks, trustFindings } from '../../src/core/check/run-checks.ts';
import { linearPattern, PatternError } from '../../src/core/util/linear-pattern.ts';
import { asQuestion } from '../../src/core/answers/resolve.ts';
import { param } from '../../src/core/facts/params.ts';
import { readCheckInput } from '../../src/io/check-input.ts';
import { printable } from '../../src/printable.ts';
import { markdownCode, markdownText } from '../../src/render/helpers.ts';
import { boundByPermissions } from '../support/cli-helpers.ts';
import { CLI, exampleFlags, ROOT, runCli, tempDir } from '../support/fixtures.ts';

const SECRET = 'TOP-SECRET-7f3a9c';
const OFFLINE = { XDG_CACHE_HOME: '/nonexistent-cache', PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/none' };
const CLEAN = join(ROOT, 'test/fixtures/check/clean');
const NOW = new Date('2026-01-01T00:00:00Z');

/** A temporary folder with a secret file beside the repository folder `repo`. */
function withRepo(body: (repo: string, secret: string, root: string) => void): void {
  const tmp = tempDir();
  try {
    const repo = join(tmp.path, 'repo');
    mkdirSync(repo);
    const secret = join(tmp.path, 'shadow');
    writeFileSync(secret, `root:${SECRET}:19000:0:99999:7:::\n`);
    body(repo, secret, tmp.path);
  } finally {
    tmp.cleanup();
  }
}

const check = (args: string[], cwd = ROOT) => runCli(['check', ...args], { cwd, env: OFFLINE });

const policy = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*', ...statement }] });

test('a symlinked bitbucket-pipelines.yml and a symlinked folder lead outside: not read, not shown, a warning each', () => {
  withRepo((repo, secret, root) => {
    symlinkSync(secret, join(repo, 'bitbucket-pipelines.yml'));
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'outside', 'inline-policy.json'), policy({ Action: SECRET }));
    symlinkSync(join(root, 'outside'), join(repo, 'iam'));
    writeFileSync(join(repo, 'main.tf'), '# nothing\n');
    const r = check(['repo'], root);
    assert.not.ok(`${r.stdout}${r.stderr}`.includes(SECRET), r.stdout);
    assert.match(r.stdout, /bitbucket-pipelines\.yml\n\s+! warning file\.symlink/);
    assert.match(r.stdout, /iam\n\s+! warning file\.symlink/);
    assert.is(r.status, 0, r.stderr);
  });
});

test('14 links to the folder itself: one warning each, nothing walked through them', () => {
  withRepo((repo) => {
    writeFileSync(join(repo, 'main.tf'), '# nothing\n');
    for (let i = 0; i < 14; i++) symlinkSync('.', join(repo, `loop${i}`));
    const input = readCheckInput(repo);
    assert.is(input.unread.length, 14);
    assert.ok(input.unread.every((u) => u.reason === 'symlink'));
    assert.equal(
      input.terraform.map((f) => f.file),
      ['main.tf'],
    );
  });
});

test('update --diff refuses a file a symbolic link leads outside the repository, and shows none of it', () => {
  withRepo((_, secret, root) => {
    const made = runCli(['new', ...exampleFlags(), '--dir', 'gen', '--yes', '--no-git'], { cwd: root });
    assert.is(made.status, 0, made.stderr);
    const tfvars = join(root, 'gen/terraform/terraform.tfvars');
    writeFileSync(tfvars, ''); // replaced below by the link
    spawnSync('rm', [tfvars]);
    symlinkSync(secret, tfvars);
    const r = runCli(['update', '--dir', 'gen', '--region', 'eu-central-1', '--diff', '--dry-run'], { cwd: root });
    assert.not.ok(`${r.stdout}${r.stderr}`.includes(SECRET), r.stdout + r.stderr);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /terraform\.tfvars is a symbolic link .* leading outside the repository/);
  });
});

test('a file of 1 MB or more, a 3000-deep policy and policies holding null, [] or 7 are findings, not silence', () => {
  withRepo((repo) => {
    mkdirSync(join(repo, 'terraform'));
    mkdirSync(join(repo, 'iam'));
    writeFileSync(
      join(repo, 'terraform/main.tf'),
      `${'#'.repeat(1_100_000)}\nresource "aws_iam_role_policy_attachment" "a" { policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess" }\n`,
    );
    writeFileSync(join(repo, 'iam/deep-policy.json'), `${'['.repeat(3000)}${']'.repeat(3000)}`);
    writeFileSync(join(repo, 'iam/null-policy.json'), 'null');
    writeFileSync(join(repo, 'iam/list-policy.json'), '[]');
    writeFileSync(join(repo, 'iam/number-policy.json'), '7');
    const report = runChecks(readCheckInput(repo), { now: NOW });
    const of = (file: string) => report.findings.filter((f) => f.file === file).map((f) => f.id);
    assert.equal(of('terraform/main.tf'), ['file.unread']);
    assert.equal(of('iam/deep-policy.json'), ['file.unread']);
    for (const f of ['null', 'list', 'number']) assert.equal(of(`iam/${f}-policy.json`), ['policy.grammar'], f);
    assert.not.ok(report.ok);
  });
});

test('an unreadable folder and file (EACCES) are findings of a user who cannot read them, not a crash', () => {
  withRepo((repo, _, root) => {
    writeFileSync(join(repo, 'main.tf'), '# nothing\n');
    mkdirSync(join(repo, 'locked'));
    writeFileSync(join(repo, 'iam-policy.json'), policy({ Action: 's3:GetObject' }));
    chmodSync(join(repo, 'locked'), 0o000);
    chmodSync(join(repo, 'iam-policy.json'), 0o000);
    const [command, ...args] = boundByPermissions([process.execPath, CLI, 'check', repo]);
    const r = spawnSync(command!, args, {
      cwd: '/',
      env: { ...process.env, ...OFFLINE, NO_COLOR: '1', FORCE_COLOR: undefined, HOME: '/nonexistent' },
      encoding: 'utf8',
    });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stdout, /locked\n\s+✖ error file\.unread: .*permission denied/);
    assert.match(r.stdout, /iam-policy\.json\n\s+✖ error file\.unread: .*permission denied/);
  });
});

test('iam:*?*?…Z with 30 pairs in a policy, and as a StringLike sub under --token: check returns', () => {
  withRepo((repo, _, root) => {
    mkdirSync(join(repo, 'iam'));
    writeFileSync(join(repo, 'iam/inline-policy.json'), policy({ Action: `iam:${'*?'.repeat(30)}Z` }));
    const r = check(['repo', '--json'], root);
    assert.is(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: Array<{ id: string }> };
    assert.ok(report.findings.some((f) => f.id === 'policy.grammar'));
  });
});

test('an OIDC role trusting "AWS": "*" besides Bitbucket is an error, and apply refuses what check reports', () => {
  const trust = JSON.parse(readFileSync(join(CLEAN, 'iam/trust-policy.json'), 'utf8')) as { Statement: unknown[] };
  trust.Statement.push({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' });
  const findings = trustFindings({ file: 'iam/trust-policy.json', text: JSON.stringify(trust, null, 2) });
  const found = findings.find((f) => f.id === 'trust.principal');
  assert.ok(found && found.severity === 'error', JSON.stringify(findings));
  assert.match(found.message, /lets anyone assume the role/);
});

test('literal access keys in a step are pipeline.static-keys', () => {
  for (const line of [
    'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY',
    'aws s3 ls --profile x # AKIAIOSFODNN7EXAMPLE',
    'aws configure set aws_secret_access_key "$(cat k)"',
  ]) {
    const text = `pipelines:\n  default:\n    - step:\n        script:\n          - ${JSON.stringify(line)}\n`;
    const ids = pipelineFindings({ file: 'bitbucket-pipelines.yml', text }, new Date()).map((f) => f.id);
    assert.ok(ids.includes('pipeline.static-keys'), `${line}: ${ids.join(', ')}`);
  }
  const sts = `pipelines:\n  default:\n    - step:\n        oidc: true\n        script:\n          - export AWS_WEB_IDENTITY_TOKEN_FILE=t\n`;
  assert.not.ok(
    pipelineFindings({ file: 'bitbucket-pipelines.yml', text: sts }, new Date()).some(
      (f) => f.id === 'pipeline.static-keys',
    ),
  );
});

test('escape sequences in file names and policy text never reach the terminal raw', () => {
  withRepo((repo, _, root) => {
    mkdirSync(join(repo, 'iam'));
    writeFileSync(join(repo, 'iam/\u001b]0;pwned\u0007-policy.json'), policy({ Action: 's3:*\u001b[2J\u0000' }));
    const r = check(['repo'], root);
    assert.is(r.status, 1, r.stderr);
    assert.not.match(r.stdout, /[\u0000\u0007\u001b]/);
    assert.match(r.stdout, /\\u\{1b\}\]0;pwned\\u\{7\}-policy\.json/);
  });
  assert.is(printable('a\u009bb\u202ec\nd'), 'a\\u{9b}b\\u{202e}c\\u{a}d');
});

test('an unsigned token (alg none) is said unsigned and never accepted', () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    iss: 'https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc',
    aud: 'ari:cloud:bitbucket::workspace/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a',
    sub: '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}:{1a2b3c4d-0003-4c00-a000-00000000000c}:{aaaaaaaa-0003-4c00-a000-00000000000c}',
  };
  const r = check([CLEAN, '--token', `${b64({ alg: 'none' })}.${b64(claims)}.`]);
  assert.match(r.stdout, /unsigned/);
  assert.not.match(r.stdout, /accepted/);
});

test('files named by flags are read up to their limit: /dev/zero is one line and exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['check', CLEAN, '--token', '@/dev/zero'], /--token \/dev\/zero: larger than 65,536 bytes/],
    [['check', CLEAN, '--schema', '/dev/zero'], /--schema \/dev\/zero: larger than/],
    [['new', 'x', '--answers', '/dev/zero', '--dry-run', '--yes'], /--answers \/dev\/zero: larger than/],
    [
      ['workshop', '--roster', '/dev/zero', '--out', '/tmp/unused-out', '--dry-run', '--yes'],
      /--roster \/dev\/zero: larger than/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args, { env: OFFLINE });
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('gallery patterns: matched in linear time, agreeing with RegExp on the patterns targets use', () => {
  const evil = linearPattern('^(a+)+$');
  const value = `${'a'.repeat(5000)}!`;
  assert.not.ok(evil.test(value));
  assert.ok(evil.steps(value) < 20 * value.length, `${evil.steps(value)} steps`);
  const patterns = [
    '^([a-z0-9]+([._-][a-z0-9]+)*/)*[a-z0-9]+([._-][a-z0-9]+)*$',
    '^[a-z0-9]+(-[a-z0-9]+)*$',
    '^[A-Za-z0-9_-]{1,8}$',
    '^\\d{3}\\.[^x]?$',
    '^a|b$',
  ];
  const values = ['', 'a', 'a-b', 'a--b', 'ab/c_d', '-', 'x', '123.', '123.y', '123.x', 'aaaaaaaaa', 'b'];
  for (const p of patterns)
    for (const v of values) assert.is(linearPattern(p).test(v), new RegExp(p).test(v), `${p} ${v}`);
  for (const p of ['^(a)\\1$', '^(?=a)a$', '^(?<n>a)$', `^${'a'.repeat(600)}$`])
    assert.throws(
      () => linearPattern(p),
      (e: unknown) => e instanceof PatternError,
      p,
    );
});

test('an answer carrying the parameter markers (private-use characters) is refused, whatever the pattern allows', () => {
  const q = asQuestion({
    name: 'siteBucket',
    flag: 'site-bucket',
    description: 'anything',
    pattern: '^.+$',
    example: 'x',
  } as Parameters<typeof asQuestion>[0]);
  const forged = `x${param('roleName')}`;
  assert.equal(q.rule(forged), { error: 'must not contain private-use characters (U+E000 to U+F8FF)' });
  assert.equal(q.rule('plain'), { value: 'plain' });
});

test('a bug (an error no command expects) exits 70, apart from 1 and 2', () => {
  // lstat failing with a plain Error stands in for any bug below the commands
  const preload = `data:text/javascript,${encodeURIComponent(
    "import fs from 'node:fs'; import { syncBuiltinESMExports } from 'node:module'; fs.lstatSync = () => { throw new Error('simulated bug'); }; syncBuiltinESMExports();",
  )}`;
  const r = spawnSync(process.execPath, ['--import', preload, CLI, 'check', CLEAN], {
    env: { ...process.env, ...OFFLINE, NO_COLOR: '1', FORCE_COLOR: undefined },
    encoding: 'utf8',
  });
  assert.is(r.status, 70, r.stderr);
  assert.match(r.stderr, /unexpected error: simulated bug/);
});

test('Markdown values (roster names in SUMMARY.md, answers in READMEs) carry no raw control character', () => {
  for (const value of ['Mal\u001b[31mlory\u0007', 'nul\u0000l', 'c1\u009b2J'])
    for (const out of [markdownText(value), markdownCode(value)]) assert.not.match(out, /[\u0000-\u001f\u007f-\u009f]/);
});

test.run();
