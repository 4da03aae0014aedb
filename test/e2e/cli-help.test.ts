/**
 * Help through the built CLI, checked against the command table it is rendered from: every command's
 * screen names each of its options with default and rule, the gallery's targets for the commands that
 * take their answers, and two examples that parse. Typos of a command, a flag or a target id get the
 * name they were meant to be, in one line, exit 2.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommand } from '../../src/commands/args.ts';
import { COMMAND_TABLE, GLOBAL_OPTIONS, type CommandSpec } from '../../src/core/cli/command-table.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { exampleFlags, ROOT, runCli, tempDir } from '../support/fixtures.ts';

const GALLERY_OK = 'test/fixtures/gallery-ok';

/** `workshop grade` is typed as two words. */
const helpOf = (spec: CommandSpec, extra: string[] = []) =>
  runCli([...spec.name.split(' '), '--help', ...extra], { cwd: ROOT });

/** A shell command line as its words: single quotes only, as the examples use them. */
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);

/** Help text with the wrapping undone, so a description split over lines can be found whole. */
const unwrapped = (text: string) => text.replace(/\n +/g, ' ');

for (const spec of COMMAND_TABLE) {
  test(`${spec.name} --help: usage, every option with its default and rule, two examples`, () => {
    const r = helpOf(spec);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, '');
    const text = unwrapped(r.stdout);
    assert.ok(text.startsWith(`pipelines-oidc ${spec.name}: ${spec.summary}`), text.slice(0, 200));
    assert.match(text, `Usage pipelines-oidc ${spec.name}`);
    for (const o of spec.options) {
      const spelled = `${o.short ? `-${o.short}, ` : ''}--${o.flag}${o.value ? ` ${o.value}` : ''}`;
      assert.match(text, spelled, `${spec.name}: ${spelled}`);
      assert.match(text, o.description, `${spec.name} --${o.flag}: its rule`);
      if (o.default !== undefined) assert.match(text, `default: ${o.default}`, `${spec.name} --${o.flag}: default`);
    }
    for (const example of spec.examples) assert.match(text, `pipelines-oidc ${example}`);
    const targets = BUILT_IN_TARGETS.flatMap((t) => [
      `${t.id}: ${t.title}`,
      ...t.questions.map((q) => `--${q.flag} <${q.name}>`),
    ]);
    for (const line of targets) {
      if (spec.targetFlags) assert.match(text, line, `${spec.name} lists ${line}`);
      else assert.not.match(text, line, `${spec.name} takes no target answers`);
    }
  });
}

test('the examples of every command parse with its options (the targets are the built-in ones)', () => {
  for (const spec of COMMAND_TABLE) {
    assert.is(spec.examples.length, 2, spec.name);
    for (const example of spec.examples) {
      const argv = words(example).slice(spec.name.split(' ').length);
      assert.ok(example.startsWith(`${spec.name} `) || example === spec.name, example);
      try {
        parseCommand(spec.name, argv, BUILT_IN_TARGETS);
      } catch (e) {
        assert.unreachable(`${example}: ${(e as Error).message}`);
      }
    }
  }
});

test("new --help --gallery <dir> lists the folder's targets after the built-in ones", () => {
  const spec = COMMAND_TABLE.find((c) => c.name === 'new')!;
  const text = unwrapped(helpOf(spec, ['--gallery', GALLERY_OK]).stdout);
  assert.match(text, 'sns-notify: Notify an SNS topic');
  assert.match(text, '--topic-name <topicName>');
  assert.match(text, '--topic-key-id <topicKeyId>');
  assert.ok(text.indexOf('sns-notify:') > text.indexOf(`${BUILT_IN_TARGETS.at(-1)!.id}:`));
});

test('the global help lists every command with its usage and summary, and the global options', () => {
  const r = runCli(['--help']);
  assert.is(r.status, 0, r.stderr);
  const text = unwrapped(r.stdout);
  const width = Math.max(...COMMAND_TABLE.map((c) => c.name.length));
  for (const spec of COMMAND_TABLE) {
    assert.match(text, `pipelines-oidc ${spec.name}${spec.args ? ` ${spec.args}` : ''}`);
    assert.match(text, `${spec.name.padEnd(width)}  ${spec.summary}`);
  }
  for (const o of GLOBAL_OPTIONS) assert.match(text, `--${o.flag}`);
  const bare = runCli([]);
  assert.is(bare.status, 2, 'no command is a usage error');
  assert.is(bare.stdout, r.stdout);
  const help = runCli(['help']);
  assert.is(help.status, 0, help.stderr);
  assert.is(help.stdout, r.stdout);
});

test('help <command> is <command> --help; version is --version', () => {
  for (const command of [['new'], ['workshop', 'grade']]) {
    const r = runCli(['help', ...command]);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, runCli([...command, '--help']).stdout);
  }
  assertOneLineError(runCli(['help', 'galery']), 2, ['unknown command "galery"', '(did you mean gallery?)']);
  const version = runCli(['version']);
  assert.is(version.status, 0, version.stderr);
  assert.is(version.stdout, runCli(['--version']).stdout);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('an unknown command: exit 2, the command it is a typo of', () => {
  const line = assertOneLineError(runCli(['galery']), 2, ['unknown command "galery"', '(did you mean gallery?)']);
  assert.not.match(line, 'commands:', 'the suggestion replaces the list');
  assertOneLineError(runCli(['chekc', '.']), 2, ['(did you mean check?)']);
});

test('an unknown command nothing is close to: exit 2, every command listed', () => {
  const names = [...new Set(COMMAND_TABLE.map((c) => c.name.split(' ')[0]))];
  assertOneLineError(runCli(['deploy']), 2, ['unknown command "deploy"', `(commands: ${names.join(', ')})`]);
  // a name every object has is no command either
  assertOneLineError(runCli(['constructor']), 2, ['unknown command "constructor"', `(commands: ${names.join(', ')})`]);
});

test('an unknown flag: exit 2, the flag it is a typo of (or the start of), and the command help', () => {
  const tmp = tempDir();
  try {
    const typo = runNew([...exampleFlags(), '--workspce', 'phub', '--dir', 'out'], tmp.path);
    assertOneLineError(typo, 2, ['unknown option --workspce (did you mean --workspace?)', 'pipelines-oidc new --help']);
    const start = runNew([...exampleFlags(), '--site-buck', 'b', '--dir', 'out'], tmp.path);
    assertOneLineError(start, 2, ['unknown option --site-buck (did you mean --site-bucket?)']);
    const check = runCli(['check', '--tokn', 'x'], { cwd: tmp.path });
    assertOneLineError(check, 2, ['unknown option --tokn (did you mean --token?)', 'pipelines-oidc check --help']);
    const none = runCli(['check', '--frobnicate'], { cwd: tmp.path });
    assert.not.match(assertOneLineError(none, 2, ['unknown option --frobnicate']), 'did you mean');
  } finally {
    tmp.cleanup();
  }
});

test('an unknown target id: exit 2, the target it starts or is a typo of', () => {
  const tmp = tempDir();
  try {
    const start = runNew([...exampleFlags({ target: 's3' }), '--dir', 'out', '--yes'], tmp.path);
    assertOneLineError(start, 2, ['--target: unknown target "s3" (did you mean s3-static-site?)']);
    const typo = runNew([...exampleFlags({ target: 'ecr-psuh' }), '--dir', 'out', '--yes'], tmp.path);
    assertOneLineError(typo, 2, ['unknown target "ecr-psuh" (did you mean ecr-push?)']);
    const both = runNew([...exampleFlags({ target: 'codeartifact' }), '--dir', 'out', '--yes'], tmp.path);
    assertOneLineError(both, 2, ['(did you mean codeartifact-npm or codeartifact-pypi?)']);
  } finally {
    tmp.cleanup();
  }
});

test.run();
