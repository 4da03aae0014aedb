/**
 * Every answer that is a path in the repository (derived from the target definitions, so a new target's
 * path question is covered without touching this file) follows one rule, at every entry: flags, the
 * answers file, the manifest, prompts and the CLI. No `..` above its start, no absolute path, no `~`, no
 * backslash, no NUL or other control character; refused with one line naming the flag and the rule, exit 2.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linearPattern } from '../../src/core/util/linear-pattern.ts';
import { asQuestion, resolveAnswers } from '../../src/core/answers/resolve.ts';
import type { TargetDefinition, TargetQuestion } from '../../src/core/targets/definition.ts';
import { BUILT_IN_TARGETS, type Gallery } from '../../src/core/targets/registry.ts';
import { parseTargetDefinition } from '../../src/core/gallery/parse.ts';
import { UsageError } from '../../src/errors.ts';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE, exampleFlags, ROOT, runCli, tempDir } from '../support/fixtures.ts';

const RULE = 'must be a relative path inside the repository';

/** A gallery target whose path question has a loose pattern: the path rule, not the pattern, must refuse. */
const LOOSE: TargetDefinition = (() => {
  const def = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/gallery-ok/sns-notify.json'), 'utf8')) as {
    questions: unknown[];
  };
  def.questions.push({
    name: 'payloadFile',
    flag: 'payload-file',
    description: 'File of the repository sent as the message',
    example: 'message.json',
    pattern: '^.+$',
    insideRepository: true,
  });
  return parseTargetDefinition(def, 'loose.json');
})();
const GALLERY: Gallery = [...BUILT_IN_TARGETS, LOOSE];

/** Every path question of every target, built-in ones and the gallery one. */
const PATH_QUESTIONS = GALLERY.flatMap((t) => t.questions.filter((q) => q.insideRepository).map((q) => ({ t, q })));

const HOSTILE = [
  '..',
  '../outside',
  'site/../../outside',
  './..',
  '/etc',
  '~/site',
  '~',
  'site\\..\\..\\outside',
  '..\\outside',
  'site\u0000.html',
  'site\nx',
  'site\u001b[2Jx',
  'site\u0085x',
  '-rf',
];

const examples = (t: TargetDefinition) => Object.fromEntries(t.questions.map((q) => [q.name, q.example]));
const BASE: Record<string, string> = {
  name: EXAMPLE.name,
  workspace: EXAMPLE.workspace,
  workspaceUuid: EXAMPLE.workspaceUuid,
  account: EXAMPLE.account,
  region: EXAMPLE.region,
  repoUuid: EXAMPLE.repoUuid,
};

/** The message resolving these answers fails with; undefined when they resolve. */
function refusal(t: TargetDefinition, q: TargetQuestion, value: string, from: 'flag' | 'file'): string | undefined {
  const answers = { ...BASE, target: t.id, ...examples(t) };
  const given = { ...examples(t), [q.name]: value };
  try {
    resolveAnswers(
      from === 'flag'
        ? { flags: { ...answers, ...given }, env: {} }
        : {
            flags: { ...BASE, target: t.id },
            file: { path: 'a.json', values: { targetAnswers: given } },
            env: {},
          },
      GALLERY,
    );
    return undefined;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return e.message;
  }
}

test('a question whose pattern takes a path that climbs out is a path question (insideRepository)', () => {
  assert.ok(PATH_QUESTIONS.length >= 6, PATH_QUESTIONS.map(({ q }) => q.name).join(', '));
  for (const t of BUILT_IN_TARGETS)
    for (const q of t.questions)
      if (linearPattern(q.pattern).test('../outside'))
        assert.ok(q.insideRepository, `${t.id} --${q.flag} takes ../outside but is not marked insideRepository`);
});

for (const { t, q } of PATH_QUESTIONS) {
  test(`${t.id} --${q.flag}: every hostile path is refused from flags, the answers file and prompts`, () => {
    for (const value of HOSTILE) {
      const shown = JSON.stringify(value);
      for (const from of ['flag', 'file'] as const) {
        const message = refusal(t, q, value, from);
        assert.ok(message, `${from} ${shown} accepted`);
        assert.ok(message!.startsWith(`--${q.flag}`), `${from} ${shown}: ${message}`);
        assert.ok(message!.includes(RULE), `${from} ${shown}: ${message}`);
        assert.not.match(message!, /[\u0000-\u001f]/, 'the message itself holds no control character');
      }
      const prompt = asQuestion(q).rule(value);
      assert.ok('error' in prompt && prompt.error.includes(RULE), `prompt ${shown}`);
    }
    for (const value of [q.example, '.', 'a/b', 'build/../public']) {
      if (!linearPattern(q.pattern).test(value)) continue;
      assert.is(refusal(t, q, value, 'flag'), undefined, `${JSON.stringify(value)} is inside`);
    }
  });
}

test('through the CLI: each built-in path flag and answers-file entry climbing out is one line, exit 2, nothing written', () => {
  const tmp = tempDir();
  try {
    for (const { t, q } of PATH_QUESTIONS.filter(({ t }) => t !== LOOSE)) {
      const flags = [
        ...exampleFlags({ target: t.id }),
        ...t.questions.flatMap((x) => (x === q || x.optional ? [] : [`--${x.flag}`, x.example])),
      ];
      const out = `out-${q.flag}`;
      const byFlag = runNew([...flags, `--${q.flag}`, '../outside', '--dir', out, '--no-git', '--yes'], tmp.path);
      assertOneLineError(byFlag, 2, [`--${q.flag}`, RULE, 'climbs out']);
      writeFileSync(join(tmp.path, 'a.json'), JSON.stringify({ targetAnswers: { [q.name]: '/etc' } }));
      const byFile = runNew([...flags, '--answers', 'a.json', '--dir', out, '--no-git', '--yes'], tmp.path);
      assertOneLineError(byFile, 2, [`--${q.flag} (from --answers a.json)`, RULE, 'is absolute']);
      assert.not.ok(existsSync(join(tmp.path, out)), `${out} not written`);
    }
  } finally {
    tmp.cleanup();
  }
});

test("a gallery path question's example or default that climbs out is refused when the gallery is loaded", () => {
  const def = JSON.parse(JSON.stringify(LOOSE)) as { questions: Array<Record<string, unknown>> };
  for (const key of ['example', 'default']) {
    const bad = JSON.parse(JSON.stringify(def)) as typeof def;
    bad.questions[2]![key] = '../outside';
    assert.throws(
      () => parseTargetDefinition(bad, 'g.json'),
      (e: Error) => e.message.includes(`questions[2].${key}`) && e.message.includes(RULE),
    );
  }
});

test('rehearse never writes a made-up input through a link of the repository: a linked folder is there, so nothing is made up', () => {
  const tmp = tempDir();
  try {
    const flags = [...exampleFlags({ name: 'repo', target: 's3-static-site' }), '--site-bucket', 'www.example.com'];
    const made = runNew([...flags, '--site-dir', 'public', '--no-git', '--yes'], tmp.path);
    assert.is(made.status, 0, made.stderr);
    mkdirSync(join(tmp.path, 'outside'));
    // a relative link: the scratch copy keeps it pointing at the folder beside the repository
    symlinkSync('../outside', join(tmp.path, 'repo/public'));
    const r = runCli(['rehearse', 'repo', '--runs', '1'], { cwd: tmp.path });
    // the scratch copy leaves out a link out of the repository, so the step that reads it fails there
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.not.match(r.stdout, /made-up inputs/);
    assert.not.ok(existsSync(join(tmp.path, 'outside/index.html')), 'written through the link');
  } finally {
    tmp.cleanup();
  }
});

test.run();
