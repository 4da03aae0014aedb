/**
 * Every fix `check` prints that names a pipelines-oidc command works: on a repository with the finding,
 * the command as printed (placeholders filled in) is run, and `check` no longer reports that finding.
 * Every such command the check rules can print is run at least once.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMAND_TABLE } from '../../src/core/cli/command-table.ts';
import { runNew } from '../support/cli-helpers.ts';
import { exampleFlags, ROOT, runCli, SHARED_REFERENCE, tempDir } from '../support/fixtures.ts';

const FIXTURES = join(ROOT, 'test/fixtures/check');
const SCHEMA = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');
const ENV = {
  PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable',
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  FORCE_COLOR: undefined,
};
const PLACEHOLDERS: Record<string, string> = {
  '<uuid>': '{5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a}',
  '<name>': 'production',
};
/** A command as a fix names it: a command of the table, then its flags and their placeholders. */
const COMMAND = new RegExp(
  `pipelines-oidc ((?:${COMMAND_TABLE.map((c) => c.name).join('|')})(?: (?:--[a-z-]+|<[a-z]+>(?:=<[a-z]+>)?))*)`,
  'g',
);

interface Finding {
  id: string;
  file: string;
  fix: string;
}

const commandsIn = (text: string) => [...text.matchAll(COMMAND)].map((m) => m[1]!);
const cli = (dir: string, args: string[]) => runCli(args, { cwd: dir, env: ENV });
function findings(dir: string): Finding[] {
  const r = cli(dir, ['check', '--json', ...(existsSync(SCHEMA) ? ['--schema', SCHEMA] : [])]);
  return (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
}

/** Repositories holding the findings whose fixes name a command: the rule fixtures, and generated ones. */
const SCENARIOS: Record<string, (dir: string) => void> = {
  ...Object.fromEntries(
    readdirSync(FIXTURES).map((name) => [
      `fixture ${name}`,
      (dir: string) => cpSync(join(FIXTURES, name), dir, { recursive: true }),
    ]),
  ),
  'new without a repository UUID': (dir) => generate(dir, exampleFlags({ repoUuid: '' })),
  'an environment without its UUID': (dir) => generate(dir, [...exampleFlags(), '--environment', 'production']),
  'hand-edited Terraform and CloudFormation policies': (dir) => {
    generate(dir, exampleFlags());
    for (const file of ['terraform/main.tf', 'cloudformation/oidc-role.yaml']) {
      const path = join(dir, file);
      writeFileSync(path, readFileSync(path, 'utf8').replace('iam:GetRole', 'iam:GetRolePolicy'));
    }
  },
};

function generate(dir: string, flags: string[]): void {
  const r = runNew([...flags, '--dir', dir, '--no-git', '--yes'], ROOT);
  assert.is(r.status, 0, r.stderr);
}

function withScenario<T>(name: string, body: (dir: string) => T): T {
  const tmp = tempDir();
  try {
    const dir = join(tmp.path, 'repo');
    SCENARIOS[name]!(dir);
    return body(dir);
  } finally {
    tmp.cleanup();
  }
}

const exercised = new Set<string>();

for (const name of Object.keys(SCENARIOS)) {
  test(`${name}: each fix that names a command, run as printed, clears its finding`, () => {
    const withCommands = withScenario(name, (dir) => findings(dir).filter((f) => commandsIn(f.fix).length));
    for (const finding of withCommands) {
      for (const command of commandsIn(finding.fix)) {
        exercised.add(command);
        withScenario(name, (dir) => {
          const args = command.split(' ').map((word) => word.replace(/<[a-z]+>/g, (p) => PLACEHOLDERS[p] ?? p));
          const r = cli(dir, args);
          assert.is(r.status, 0, `${command} in ${name}: ${r.stderr}`);
          const left = findings(dir).filter((f) => f.id === finding.id && f.file === finding.file);
          assert.equal(left, [], `${finding.id} on ${finding.file} after pipelines-oidc ${command}`);
        });
      }
    }
  });
}

test('every command a check rule can print as a fix was run above', () => {
  const dir = join(ROOT, 'src/core/check');
  const printed = new Set(
    readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => commandsIn(readFileSync(join(dir, f), 'utf8'))),
  );
  assert.ok(printed.size >= 3, [...printed].join(', '));
  assert.equal([...printed].filter((c) => !exercised.has(c)).sort(), []);
});

test.run();
