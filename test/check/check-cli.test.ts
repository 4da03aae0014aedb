/** `pipelines-oidc check` end to end: generated repositories pass, drift is caught. */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTfvars } from '../../src/core/check/tfvars.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { hclString } from '../../src/render/hcl.ts';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { exampleFlags, ROOT, runCli, SHARED_REFERENCE, tempDir } from '../support/fixtures.ts';

const SCHEMA = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');
const schemaArgs = existsSync(SCHEMA) ? ['--schema', SCHEMA] : [];
if (!existsSync(SCHEMA)) console.log('note: ../shared/reference is absent; check runs with its structural checks only');
const MANIFEST = '.pipelines-oidc.json';
/** No test reaches the network: an unreachable schema URL unless a test serves one. */
const OFFLINE = { PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable', FORCE_COLOR: undefined };

interface Report {
  ok: boolean;
  findings: Array<{ id: string; severity: string; file: string; message: string }>;
  simulation: Array<{ role: string; scenario: string; expected: string; allowed: boolean }>;
  token?: { expired: boolean; roles: Array<{ role: string; accepted: boolean; reasons: string[] }> };
}

const check = (dir: string, args: string[] = [], env: Record<string, string | undefined> = {}) =>
  runCli(['check', dir, ...args], { env: { ...OFFLINE, ...env } });
const report = (r: ReturnType<typeof runCli>): Report => {
  assert.ok(r.stdout.trim().startsWith('{'), `JSON on stdout:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
};

function withRepo(flags: string[], body: (dir: string, root: string) => void): void {
  const tmp = tempDir();
  try {
    const r = runNew([...flags, '--dir', 'repo', '--no-git', '--yes'], tmp.path);
    assert.is(r.status, 0, r.stderr);
    body(join(tmp.path, 'repo'), tmp.path);
  } finally {
    tmp.cleanup();
  }
}

const examples = BUILT_IN_TARGETS.flatMap((t) => t.questions.flatMap((q) => [`--${q.flag}`, q.example]));
/** The same answers with three environments: a per-environment question once for each. */
const environmentExamples = BUILT_IN_TARGETS.flatMap((t) =>
  t.questions.flatMap((q) =>
    q.perEnvironment
      ? ['test', 'staging', 'production'].flatMap((e) => [`--${q.flag}.${e}`, q.example])
      : [`--${q.flag}`, q.example],
  ),
);
const ENVS = [
  '--environment',
  'test=1a2b3c4d-0001-4a00-8000-00000000000a',
  '--environment',
  'staging=1a2b3c4d-0002-4b00-9000-00000000000b',
  '--environment',
  'production=1a2b3c4d-0003-4c00-a000-00000000000c',
];

test('the committed example passes clean, and its simulation matches what a correct trust policy does', () => {
  const r = check(join(ROOT, 'examples/phub-oidc-check'), ['--json', ...schemaArgs]);
  assert.is(r.status, 0, r.stdout + r.stderr);
  const rep = report(r);
  assert.ok(rep.ok);
  assert.equal(
    rep.findings.filter((f) => f.severity === 'error'),
    [],
  );
  assert.ok(rep.simulation.length >= 4);
  for (const row of rep.simulation) assert.is(row.allowed, row.expected === 'allowed', `${row.role}: ${row.scenario}`);
});

test('every target, all at once, in three environments: clean, and each environment denies the others', () => {
  const flags = exampleFlags({ target: BUILT_IN_TARGETS.map((t) => t.id).join(',') });
  withRepo([...flags, ...dedupe(environmentExamples), ...ENVS], (dir) => {
    const r = check(dir, ['--json', ...schemaArgs]);
    assert.is(r.status, 0, r.stdout + r.stderr);
    const rep = report(r);
    assert.equal(
      rep.findings.filter((f) => f.severity === 'error'),
      [],
    );
    const roles = new Set(rep.simulation.map((s) => s.role));
    assert.is(roles.size, 3, [...roles].join(', '));
    assert.ok(
      rep.simulation.filter((s) => s.scenario.startsWith('environment ')).length >= 6,
      'cross-environment rows',
    );
    for (const row of rep.simulation)
      assert.is(row.allowed, row.expected === 'allowed', `${row.role}: ${row.scenario}`);
  });
});

function dedupe(pairs: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i += 2)
    if (!seen.has(pairs[i]!)) (seen.add(pairs[i]!), out.push(pairs[i]!, pairs[i + 1]!));
  return out;
}

test('iac.drift: a JSON file, the CloudFormation or the Terraform policy changed by hand is reported (exit 1)', () => {
  withRepo(exampleFlags(), (dir) => {
    const edits: Array<[string, string, string]> = [
      ['iam/inline-policy.json', '"iam:GetRole"', '"iam:GetRole*"'],
      ['cloudformation/oidc-role.yaml', 'Action: iam:GetRole', 'Action: iam:ListRoles'],
      ['terraform/main.tf', 'Action   = "iam:GetRole"', 'Action   = "iam:ListRoles"'],
    ];
    for (const [file, from, to] of edits) {
      const path = join(dir, file);
      const before = readFileSync(path, 'utf8');
      assert.ok(before.includes(from), `${file} holds ${from}`);
      writeFileSync(path, before.replace(from, to));
      const r = check(dir, ['--json']);
      assert.is(r.status, 1, r.stdout);
      const drift = report(r).findings.filter((f) => f.id === 'iac.drift');
      assert.ok(
        drift.some((f) => f.file === file),
        `${file}: ${JSON.stringify(drift)}`,
      );
      writeFileSync(path, before);
    }
    assert.is(check(dir, ['--json']).status, 0, 'clean again');
    // a stack of the user's own (the template cloudformation-deploy deploys) holds no role of ours: no drift
    writeFileSync(
      join(dir, 'template.yaml'),
      "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: python3.12, Handler: index.handler, CodeUri: src/ }\n",
    );
    const own = check(dir, ['--json']);
    assert.equal(
      report(own).findings.filter((f) => f.id === 'iac.drift'),
      [],
    );
  });
});

test('iac.drift: each answer terraform.tfvars sets, changed by hand, is reported; its layout and comments are not', () => {
  withRepo(exampleFlags(), (dir) => {
    const path = join(dir, 'terraform/terraform.tfvars');
    const before = readFileSync(path, 'utf8');
    for (const name of ['repository_uuid', 'workspace_uuid', 'account_id', 'role_name', 'aws_region']) {
      const line = new RegExp(`^${name}( +)= "(.)`, 'm');
      assert.match(before, line, name);
      writeFileSync(path, before.replace(line, `${name}$1= "9$2`));
      const r = check(dir, ['--json']);
      assert.is(r.status, 1, `${name}: ${r.stdout}`);
      const drift = report(r).findings.filter((f) => f.id === 'iac.drift');
      assert.equal(
        drift.map((f) => f.file),
        ['terraform/terraform.tfvars'],
        name,
      );
      assert.match(drift[0]!.message, `sets ${name} = "9`);
    }
    // another layout, other comments, then terraform fmt's own: the same values
    writeFileSync(
      path,
      `/* kept by hand */\n${before
        .replace(/ = /g, '    =  ')
        .replace(/\n/g, ' # note\n')
        .replace(/^# note\n/m, '')}`,
    );
    assert.is(check(dir, ['--json']).status, 0, readFileSync(path, 'utf8'));
    execFileSync('terraform', ['fmt', path]);
    assert.is(check(dir, ['--json']).status, 0, readFileSync(path, 'utf8'));
    // a value we never write (a list) is reported, not skipped
    writeFileSync(path, `${before}role_name_extra = ["a"]\n`);
    assert.is(check(dir, ['--json']).status, 1);
  });
});

test('terraform.tfvars reads back every string the HCL serialiser writes', () => {
  const values = [
    'plain',
    'a "quoted" \\ back',
    '${var.x} and %{ if }',
    '$${',
    'tab\tnew\nline\r',
    '\u0007\u2028é😀',
    '',
  ];
  const text = values.map((v, i) => `v${i} = ${hclString(v)}\n`).join('');
  const read = readTfvars(text);
  assert.ok('values' in read, JSON.stringify(read));
  assert.equal([...read.values.values()], values);
});

test('iac.drift still runs on a manifest without answers.environments (an early or hand-edited one)', () => {
  withRepo(exampleFlags(), (dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { answers: Record<string, unknown> };
    delete manifest.answers['environments'];
    writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest));
    assert.is(check(dir, ['--json']).status, 0, 'clean: the missing list means no environments');
    const main = join(dir, 'terraform/main.tf');
    writeFileSync(main, readFileSync(main, 'utf8').replace('Action   = "iam:GetRole"', 'Action   = "iam:ListRoles"'));
    const r = check(dir, ['--json']);
    assert.is(r.status, 1, r.stdout);
    const rep = report(r);
    assert.not.ok(rep.ok);
    assert.ok(
      rep.findings.some((f) => f.id === 'iac.drift' && f.file === 'terraform/main.tf'),
      JSON.stringify(rep.findings),
    );
  });
});

test('a manifest check cannot read is one line naming the manifest and its field, exit 2', () => {
  withRepo(exampleFlags(), (dir, root) => {
    const good = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Record<string, unknown>;
    const cases: Array<[string, string[]]> = [
      ['{"tool": "pipelines-oidc",', ['repo/.pipelines-oidc.json', 'not valid JSON']],
      [
        JSON.stringify({ ...good, gallery: ['x'] }),
        ['repo/.pipelines-oidc.json', '"gallery" must be a string (a folder path)'],
      ],
      [
        JSON.stringify({ ...good, gallery: '../gone' }),
        ['repo/.pipelines-oidc.json "gallery" ../gone', 'not a readable folder'],
      ],
    ];
    for (const [text, fragments] of cases) {
      writeFileSync(join(dir, MANIFEST), text);
      const line = assertOneLineError(runCli(['check', 'repo', '--json'], { cwd: root, env: OFFLINE }), 2, fragments);
      assert.not.match(line, /unexpected error|--gallery/);
    }
  });
});

test('the tutorial setup reports trust.workspace-wide in text, grouped by file, without colour off a terminal', () => {
  const r = check(join(ROOT, 'test/fixtures/check/tutorial'));
  assert.is(r.status, 1);
  assert.match(r.stdout, /^iam\/trust-policy\.json$/m);
  assert.match(r.stdout, /trust\.workspace-wide/);
  assert.not.match(r.stdout, /\u001b\[/);
});

test('bad usage exits 2 with one line', () => {
  const tmp = tempDir();
  try {
    assertOneLineError(runCli(['check', tmp.path], { env: OFFLINE }), 2, ['holds no']);
    assertOneLineError(check(join(ROOT, 'examples/phub-oidc-check'), ['--schema', join(tmp.path, 'missing.json')]), 2, [
      '--schema',
    ]);
    assertOneLineError(check(join(ROOT, 'examples/phub-oidc-check'), ['--token', 'not-a-jwt']), 2, ['--token']);
    assertOneLineError(check(join(ROOT, 'examples/phub-oidc-check'), ['--token', `@${join(tmp.path, 'none')}`]), 2, [
      '--token',
    ]);
    assertOneLineError(check(join(ROOT, 'examples/phub-oidc-check'), ['--bogus']), 2, ['--bogus']);
  } finally {
    tmp.cleanup();
  }
});

test('--token @file: this repository is accepted, another repository rejected naming the sub condition', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const sign = (claims: object) => {
    const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const claims = (repo: string) => ({
    iss: 'https://api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc',
    aud: 'ari:cloud:bitbucket::workspace/7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a',
    sub: `{${repo}}:{5c0ffee0-1111-4222-8333-444455556666}`,
    iat: now,
    exp: now + 3600,
  });
  const tmp = tempDir();
  try {
    const example = join(ROOT, 'examples/phub-oidc-check');
    writeFileSync(join(tmp.path, 'ok.jwt'), sign(claims('0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d')));
    const ok = report(check(example, ['--json', '--token', `@${join(tmp.path, 'ok.jwt')}`]));
    assert.ok(
      ok.token?.roles.every((r) => r.accepted),
      JSON.stringify(ok.token),
    );
    writeFileSync(join(tmp.path, 'other.jwt'), sign(claims('9e9e9e9e-0000-4000-8000-000000000001')));
    const other = report(check(example, ['--json', '--token', `@${join(tmp.path, 'other.jwt')}`]));
    assert.ok(other.token?.roles.every((r) => !r.accepted));
    assert.ok(
      other.token?.roles[0]?.reasons.some((x) => x.includes(':sub')),
      JSON.stringify(other.token),
    );
  } finally {
    tmp.cleanup();
  }
});

test('without a repository UUID the simulation says the repository cannot assume the role yet, as the warning does', () => {
  const env = ['--environment', 'production'];
  withRepo([...exampleFlags({ repoUuid: '' }), ...env], (dir) => {
    const r = check(dir, [...schemaArgs], { NO_COLOR: '1' });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'no pipeline can assume the role');
    assert.match(r.stdout, /^ {2}! \S+: this repository, its environment → not yet: repository UUID not set$/m);
    assert.not.match(r.stdout, /this repository.* → allowed/);
    const json = report(check(dir, ['--json', ...schemaArgs]));
    const own = json.simulation.filter((row) => row.scenario.startsWith('this repository'));
    assert.ok(own.length > 0);
    for (const row of own) assert.equal([row.allowed, row.expected], [false, 'denied'], row.scenario);
  });
  withRepo([...exampleFlags(), ...env], (dir) => {
    const r = check(dir, [...schemaArgs], { NO_COLOR: '1' });
    assert.match(r.stdout, /this repository, its environment → not yet: environment UUID not set$/m);
    assert.match(r.stdout, /✔ \S+: another repository of the workspace → denied/);
  });
  withRepo(exampleFlags(), (dir) => {
    // every scenario as expected: one line for the role; each scenario with --verbose
    const summary = check(dir, [...schemaArgs], { NO_COLOR: '1' }).stdout;
    assert.match(
      summary,
      /^ {2}✔ \S+: allows this repository; denies 4 others \(another repository of the workspace, /m,
    );
    assert.not.match(summary, /→ denied/);
    const verbose = check(dir, [...schemaArgs, '--verbose'], { NO_COLOR: '1' }).stdout;
    assert.match(verbose, /✔ \S+: this repository → allowed$/m);
    assert.match(verbose, /✔ \S+: another workspace → denied/);
  });
});

test.run();
