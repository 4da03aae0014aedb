/**
 * Every JSON and YAML text a command reads goes through one nesting guard (src/core/util/nesting.ts) before any
 * parser, validator or rule recurses into it: 100,000 nested arrays are a one-line error naming the input
 * and the limit (exit 2), or in a checked repository a `file.unread` finding, never a stack overflow (70).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_NESTING, nestingDepth } from '../../src/core/util/nesting.ts';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, ROOT, runCli, tempDir } from '../support/fixtures.ts';

const N = 100_000;
const DEEP = '['.repeat(N) + ']'.repeat(N);
const LIMIT = `nested more than ${MAX_NESTING} levels deep`;
const OFFLINE = {
  PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/none',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'example',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_EC2_METADATA_DISABLED: 'true',
};

const tmp = tempDir('pipelines-oidc-nesting-');
const at = (...parts: string[]) => join(tmp.path, ...parts);
assert.is(
  runNew(['repo', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', at('repo'), '--yes', '--no-git'], tmp.path).status,
  0,
);
/** A copy of the generated repository with one file replaced. */
function repoWith(name: string, file: string, text: string): string {
  cpSync(at('repo'), at(name), { recursive: true });
  writeFileSync(at(name, file), text);
  return name;
}
const base64url = (text: string) => Buffer.from(text).toString('base64url');

const cases: Array<{ input: string; args: () => string[]; names: string }> = [
  {
    input: '--schema',
    args: () => (writeFileSync(at('schema.json'), `{"items": ${DEEP}}`), ['check', 'repo', '--schema', 'schema.json']),
    names: '--schema schema.json',
  },
  {
    input: '--answers',
    args: () => (
      writeFileSync(at('answers.json'), `{"name": ${DEEP}}`),
      ['new', 'x', '--answers', 'answers.json', '--dir', 'x', '--yes', '--no-git']
    ),
    names: '--answers answers.json',
  },
  ...['check', 'update', 'doctor'].map((command) => ({
    input: `the manifest (${command})`,
    args: () => {
      const dir = repoWith(`manifest-${command}`, '.pipelines-oidc.json', `{"tool": "pipelines-oidc", "x": ${DEEP}}`);
      return command === 'update' ? ['update', '--dir', dir, '--region', 'eu-west-1'] : [command, dir];
    },
    names: '.pipelines-oidc.json',
  })),
  {
    // --token reads 64 KiB at most: 20,000 levels fit
    input: '--token claims',
    args: () => {
      writeFileSync(
        at('token.txt'),
        `${base64url('{"alg":"RS256"}')}.${base64url(`{"iss": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`)}.c2ln`,
      );
      return ['check', 'repo', '--token', '@token.txt'];
    },
    names: '--token',
  },
  ...['apply', 'doctor'].map((command) => ({
    input: `the trust policy (${command})`,
    args: () =>
      [command, repoWith(`iam-${command}`, 'iam/trust-policy.json', DEEP), '--dry-run'].slice(
        0,
        command === 'apply' ? 3 : 2,
      ),
    names: 'iam/trust-policy.json',
  })),
  {
    input: 'a gallery definition',
    args: () => {
      mkdirSync(at('gallery'), { recursive: true });
      writeFileSync(at('gallery', 'deep.json'), `{"id": ${DEEP}}`);
      return ['check', 'repo', '--gallery', 'gallery'];
    },
    names: 'deep.json',
  },
  {
    input: 'the workshop state',
    args: () => {
      mkdirSync(at('workshop', 'facilitator'), { recursive: true });
      writeFileSync(at('workshop', 'facilitator', 'workshop.json'), `{"tool": "pipelines-oidc", "attendees": ${DEEP}}`);
      return ['workshop', 'grade', 'workshop'];
    },
    names: 'workshop.json',
  },
  {
    input: 'the pipeline rehearse runs (block nesting)',
    args: () => [
      'rehearse',
      repoWith('rehearse', 'bitbucket-pipelines.yml', `pipelines:\n  default:\n    - ${'- '.repeat(N)}x\n`),
      '--endpoint',
      'http://127.0.0.1:9',
    ],
    names: 'bitbucket-pipelines.yml',
  },
];

for (const c of cases) {
  test(`${c.input}: 100,000 nested levels are one line naming it and the limit, exit 2`, () => {
    const r = runCli(c.args(), { cwd: tmp.path, env: OFFLINE });
    assertOneLineError(r, 2, [c.names, LIMIT]);
  });
}

test('a checked pipeline nested 100,000 levels in block or flow style is file.unread, and a deep cached schema is ignored', () => {
  const cache = at('cache', 'pipelines-oidc');
  mkdirSync(cache, { recursive: true });
  writeFileSync(join(cache, 'pipelines-configuration.schema.json'), `{"items": ${DEEP}}`);
  for (const [name, tail] of [
    ['block', `    - ${'- '.repeat(N)}x\n`],
    ['flow', `    - ${DEEP}\n`],
  ] as const) {
    const dir = repoWith(`check-${name}`, 'bitbucket-pipelines.yml', `pipelines:\n  default:\n${tail}`);
    const r = runCli(['check', dir, '--json'], { cwd: tmp.path, env: { ...OFFLINE, XDG_CACHE_HOME: at('cache') } });
    assert.is(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: Array<{ id: string; file: string; message: string }> };
    const unread = report.findings.filter((f) => f.id === 'file.unread');
    assert.equal(
      unread.map((f) => f.file),
      ['bitbucket-pipelines.yml'],
      name,
    );
    assert.match(unread[0]!.message, LIMIT);
  }
});

test('the guard measures YAML block and flow structure, and JSON, without counting text', () => {
  const yaml = (text: string) => nestingDepth(text, { yaml: true });
  assert.is(yaml('a:\n  b:\n    c: 1\n'), 3);
  assert.is(yaml('a: [1, [2, {b: c}]]\n'), 4);
  assert.ok(yaml(`x:\n  ${'- '.repeat(100)}a\n`) > MAX_NESTING);
  // brackets and quotes in plain text, a block scalar's lines and comments are text, not structure
  assert.is(yaml(`a: echo a[0] don't ${'['.repeat(3)}\n`), 1);
  assert.is(
    yaml(`run: |\n${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')}\nb: 1\n`),
    1,
  );
  assert.is(yaml(`a: 1 # ${'['.repeat(100)}\n`), 1);
  assert.is(nestingDepth(`{"a": "${'['.repeat(100)}"}`), 1);
  assert.is(nestingDepth(DEEP), N);
});

test.after(() => tmp.cleanup());
test.run();
