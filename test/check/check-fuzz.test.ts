/**
 * `check` on random hostile repositories, as the built command runs: symbolic links in and out (loops
 * included), files past the size limit, deep nesting, wildcard patterns built to backtrack, control
 * characters, text that is neither JSON nor YAML, IAM policies written in Terraform (jsonencode, heredocs,
 * policy documents, variables and locals that refer to each other) and CloudFormation (its short tags).
 * Whatever the repository, check finishes, exits 0, 1 or 2 without an unexpected error, and prints no byte
 * of the secret file beside it. The seed is fixed, so a failure is the same on every machine; the child's
 * timeout is only a safety net: a run past it fails the property.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, tempDir } from '../support/fixtures.ts';

const SECRET = 'SECRET-4b1d-outside';
const SAFETY_NET_MS = 60_000;

const nasty = fc.constantFrom(
  '\u001b[2J',
  '\u001b]0;x\u0007',
  '\u0000',
  '\u009b31m',
  '\u202e',
  '{',
  '[',
  '"',
  ':',
  '- ',
  '*?',
  '\n',
  'null',
  'AKIAIOSFODNN7EXAMPLE',
);
const text = fc.array(fc.oneof(nasty, fc.string({ maxLength: 8 })), { maxLength: 12 }).map((parts) => parts.join(''));
const wildcardAction = fc.integer({ min: 1, max: 30 }).map((n) => `iam:${'*?'.repeat(n)}Z`);
const deep = fc.integer({ min: 60, max: 4000 }).map((n) => `${'['.repeat(n)}"x"${']'.repeat(n)}`);
const policy = fc
  .record({ action: fc.oneof(wildcardAction, text), principal: fc.constantFrom('*', { AWS: '*' }, undefined) })
  .map(({ action, principal }) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: action, Resource: '*', ...(principal ? { Principal: principal } : {}) }],
    }),
  );
const principal = fc.constantFrom(
  '"*"',
  '{ AWS = "*" }',
  '{ Federated = "arn:aws:iam::*:oidc-provider/x" }',
  '{ AWS = var.who }',
);
const hclValue = fc.oneof(
  text,
  fc.constantFrom('var.a', 'local.b', '"${var.a}"', 'file("x.json")', 'jsonencode(local.b)'),
);
/** A Terraform file with IAM policies in every form check evaluates, and references that may never resolve. */
const terraform = fc
  .record({
    principal,
    action: fc.oneof(wildcardAction, text),
    value: hclValue,
    depth: fc.integer({ min: 0, max: 80 }),
  })
  .map(({ principal, action, value, depth }) =>
    [
      `variable "who" { default = ${JSON.stringify(action)} }`,
      `locals { b = ${'['.repeat(depth)}${value}${']'.repeat(depth)} }`,
      'resource "aws_iam_role" "r" {',
      '  name = "r"',
      `  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = ${principal}, Action = "sts:AssumeRoleWithWebIdentity" }] })`,
      '}',
      'resource "aws_iam_role_policy" "p" {',
      '  role   = aws_iam_role.r.id',
      '  policy = <<EOT',
      JSON.stringify({ Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] }),
      'EOT',
      '}',
      'data "aws_iam_policy_document" "d" {',
      `  statement { actions = [${JSON.stringify(action)}] resources = [local.b] }`,
      '}',
    ].join('\n'),
  );
/** A CloudFormation role whose documents use the short tags, some of which name what is not there. */
const cloudformation = fc
  .record({
    tag: fc.constantFrom('!Ref Missing', '!Sub "${AWS::AccountId}"', '!GetAtt X.Arn', '"*"', '!Join ["", [a, !Ref B]]'),
    action: fc.oneof(wildcardAction, text),
  })
  .map(({ tag, action }) =>
    [
      'Resources:',
      '  Role:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      AssumeRolePolicyDocument:',
      '        Statement:',
      '          - Effect: Allow',
      `            Principal: { AWS: ${tag} }`,
      '            Action: sts:AssumeRole',
      '      Policies:',
      '        - PolicyName: p',
      '          PolicyDocument:',
      '            Statement:',
      `              - { Effect: Allow, Action: ${JSON.stringify(action)}, Resource: ${tag} }`,
    ].join('\n'),
  );
const big = fc.integer({ min: 999_990, max: 1_000_010 }).map((n) => 'x'.repeat(n));

const fileName = fc.constantFrom(
  'bitbucket-pipelines.yml',
  'iam/trust-policy.json',
  'iam/inline-policy.json',
  'terraform/main.tf',
  'cloudformation/stack.yaml',
  'a/b/c/d/policy.json',
  'weird\u001b[31m-policy.json',
);

type Entry =
  | { kind: 'file'; name: string; content: string }
  | { kind: 'link'; name: string; to: 'secret' | 'outside-dir' | 'self' | 'parent' | 'dangling' };

const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant('file' as const), name: fileName, content: fc.oneof(text, policy, deep, big) }),
  fc.record({
    kind: fc.constant('file' as const),
    name: fc.constantFrom('terraform/main.tf', 'infra/iam.tf'),
    content: terraform,
  }),
  fc.record({
    kind: fc.constant('file' as const),
    name: fc.constantFrom('cloudformation/stack.yaml', 'template.yaml'),
    content: cloudformation,
  }),
  fc.record({
    kind: fc.constant('link' as const),
    name: fc.oneof(fileName, fc.constantFrom('loop', 'iam', 'x/y')),
    to: fc.constantFrom('secret', 'outside-dir', 'self', 'parent', 'dangling'),
  }),
);

function build(root: string, entries: Entry[]): string {
  const repo = join(root, 'repo');
  mkdirSync(repo);
  writeFileSync(join(root, 'secret.txt'), `${SECRET}\n`);
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside/inline-policy.json'), JSON.stringify({ Statement: SECRET }));
  writeFileSync(join(root, 'outside/bitbucket-pipelines.yml'), `# ${SECRET}\n`);
  for (const e of entries) {
    const path = join(repo, e.name);
    try {
      mkdirSync(dirname(path), { recursive: true });
      if (e.kind === 'file') writeFileSync(path, e.content);
      else {
        const target = {
          secret: join(root, 'secret.txt'),
          'outside-dir': join(root, 'outside'),
          self: '.',
          parent: '..',
          dangling: join(root, 'nothing-here'),
        }[e.to];
        symlinkSync(target, path);
      }
    } catch {
      // an earlier entry took the name (a file where a folder should be): the repository is as hostile as it gets
    }
  }
  return repo;
}

test('check on random hostile repositories: finishes, exit 0/1/2, no unexpected error, nothing from outside shown', () => {
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), fc.boolean(), (entries, json) => {
      const tmp = tempDir();
      try {
        build(tmp.path, entries);
        const r = spawnSync(process.execPath, [CLI, 'check', 'repo', ...(json ? ['--json'] : [])], {
          cwd: tmp.path,
          env: {
            ...process.env,
            NO_COLOR: '1',
            FORCE_COLOR: undefined,
            XDG_CACHE_HOME: join(tmp.path, 'cache'),
            PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/none',
          },
          encoding: 'utf8',
          timeout: SAFETY_NET_MS,
          maxBuffer: 64 * 1024 * 1024,
        });
        const output = `${r.stdout}${r.stderr}`;
        assert.ok(r.signal === null, `check was stopped (${r.signal}): ${JSON.stringify(entries).slice(0, 300)}`);
        assert.ok([0, 1, 2].includes(r.status!), `exit ${r.status}: ${r.stderr}`);
        assert.not.match(output, /unexpected error/);
        assert.not.ok(output.includes(SECRET), 'a byte from outside the repository was printed');
        if (!json) assert.not.match(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'a raw control character');
      } finally {
        tmp.cleanup();
      }
    }),
    { numRuns: 30, seed: 20261207 },
  );
});

test.run();
