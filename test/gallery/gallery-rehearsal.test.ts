/**
 * A gallery definition's every field is checked when it is loaded, its `rehearsal` block included: seed
 * lines only in the forms the built-in targets use (they run with bash before the steps), files only at
 * normalised relative paths that stay in the scratch copy. Then random and hostile definitions (fast-check,
 * fixed seed): each is refused with a DefinitionError (exit 2 through the CLI) or loads with every file path
 * confined, whatever answers its questions accept; nothing else is thrown.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asQuestion } from '../../src/core/answers/resolve.ts';
import { rehearsalFiles, type TargetDefinition } from '../../src/core/targets/definition.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { DefinitionError, parseTargetDefinition } from '../../src/core/gallery/parse.ts';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { exampleFlags, ROOT, runCli, tempDir } from '../support/fixtures.ts';

type Def = Record<string, unknown> & { questions: Array<Record<string, unknown>> };

/** The valid fixture, with a path question whose pattern is loose and an optional one. */
const BASE: Def = (() => {
  const def = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/gallery-ok/sns-notify.json'), 'utf8')) as Def;
  def.questions.push({
    name: 'payloadDir',
    flag: 'payload-dir',
    description: 'Folder of the repository with the messages',
    example: 'messages',
    pattern: '^.+$',
    insideRepository: true,
  });
  return def;
})();
const withRehearsal = (rehearsal: unknown): Def => ({ ...structuredClone(BASE), rehearsal });

function refusal(def: unknown): string | undefined {
  try {
    parseTargetDefinition(def, 'g.json');
    return undefined;
  } catch (e) {
    if (!(e instanceof DefinitionError)) throw e;
    return e.message;
  }
}

const ACCEPTED_SEEDS = [
  'aws sns create-topic --name {{topicName}}',
  'aws s3 mb s3://{{topicName}}',
  'printf stale | aws s3 cp - s3://{{topicName}}/removed-page.html',
  'aws sns create-topic --name {{topicName}} --query TopicArn --output text > "$REHEARSAL_ALIASES"/{{topicName}}',
  'printf \'def handler(event, context):\\n    return event\\n\' > "$REHEARSAL_TMP"/index.py',
  '(cd "$REHEARSAL_TMP" && zip -q seed.zip index.py)',
  'aws lambda create-function --function-name {{topicName}} --zip-file fileb://"$REHEARSAL_TMP"/seed.zip',
  'aws iam create-role --role-name {{roleName}} --assume-role-policy-document \'{"Version":"2012-10-17"}\'',
];

const REFUSED_SEEDS: Array<[string, string]> = [
  ['rm -rf ~', 'outside single quotes'],
  ['rm -rf ../../..', 'must be an aws command'],
  ['curl -s https://example.com/x', 'must be an aws command'],
  ['aws sns create-topic --name x; id', '";" outside single quotes'],
  ['aws sns create-topic --name $(id)', '"$" outside single quotes'],
  ['aws sns create-topic --name `id`', '"`" outside single quotes'],
  ['aws sns create-topic --name "x"', '"\\"" outside single quotes'],
  ['aws sns create-topic --name x && id', 'outside the forms'],
  ['aws sns create-topic --name x\nid', 'control'],
  ['aws s3 cp s3://b/k /tmp/out', 'only from standard input'],
  ['aws s3 cp /etc/passwd s3://b/k', 'only from standard input'],
  ['aws s3api get-object --bucket b --key k out', 'a seed only creates'],
  ['aws configure set region x', 'a seed only creates'],
  ['aws s3api put-object --bucket b --key k --body secrets.txt', '--body'],
  ['aws iam create-role --role-name r --assume-role-policy-document file:///etc/passwd', 'reads a local file'],
  ['aws iam create-role --role-name r --assume-role-policy-document fileb://../x', 'reads a local file'],
  ['aws sns create-topic --name /etc/passwd', 'outside the seed folder'],
  ['aws sns create-topic --name a/../../b', 'with ..'],
  ['aws sns create-topic --name x --endpoint-url http://example.com', '--endpoint-url'],
  ['aws sns create-topic --name {{payloadDir}}', 'may hold ":"'],
  ["aws sns create-topic --name '{{topicName}}'", 'inside single quotes'],
  ['aws sns create-topic --name x > ../../x', 'may write only to'],
  ['aws sns create-topic --name x > "$REHEARSAL_ALIASES"/{{payloadDir}}', 'may write only to'],
  ['aws sns create-topic --name x > "$REHEARSAL_TMP"/a > "$REHEARSAL_TMP"/b', 'only once'],
  ['(cd .. && zip -q x.zip y)', 'subshell only'],
  ['(cd "$REHEARSAL_TMP" && zip -q ../x.zip index.py)', 'subshell only'],
  ['printf x | sh', 'must be an aws command'],
  ['printf x | aws s3 cp - s3://b/k | aws s3 cp - s3://b/l', 'nothing longer'],
];

test('the seed forms the built-in targets use are taken; anything else a shell would do is refused, naming the line', () => {
  for (const line of ACCEPTED_SEEDS) assert.is(refusal(withRehearsal({ seed: [line] })), undefined, line);
  for (const [line, rule] of REFUSED_SEEDS) {
    const message = refusal(withRehearsal({ seed: [line] }));
    assert.ok(message?.startsWith('g.json (sns-notify).rehearsal.seed[0]'), `${line}: ${message}`);
    assert.ok(message!.includes(rule), `${line}: ${message} should name ${rule}`);
    const optional = refusal(withRehearsal({ seed: [{ run: line, when: 'topicKeyId' }] }));
    assert.ok(optional?.startsWith('g.json (sns-notify).rehearsal.seed[0].run'), `${line}: ${optional}`);
  }
  assert.match(refusal(withRehearsal({ seed: ['aws sns create-topic --name {{nowhere}}'] }))!, '{{nowhere}}');
});

test('rehearsal files: normalised relative paths; a placeholder only as a whole segment of a path question', () => {
  for (const path of ['index.html', 'a/b.txt', '.npmrc', '{{payloadDir}}/index.html', '{{payloadDir}}'])
    assert.is(refusal(withRehearsal({ files: [{ path, text: 'x' }] })), undefined, path);
  for (const path of [
    '../escaped.txt',
    'a/../../escaped.txt',
    '/etc/cron.d/x',
    '~/x',
    'a//b',
    './a',
    'a/',
    '.',
    'a\\..\\b',
    'a\u0000b',
    '{{topicName}}/x',
    '{{payloadDir}}x',
    '{{payloadDir}}/../x',
  ]) {
    const message = refusal(withRehearsal({ files: [{ path, text: 'x' }] }));
    assert.ok(
      message?.startsWith('g.json (sns-notify).rehearsal.files[0].path'),
      `${JSON.stringify(path)}: ${message}`,
    );
  }
});

test('every field is checked: unknown keys, wrong types, lengths and characters are refused naming the field', () => {
  const cases: Array<[(d: Def) => void, string]> = [
    [(d) => (d['hooks'] = ['x']), 'unknown key "hooks"'],
    [(d) => (d.questions[0]!['insideRepo'] = true), '.questions[0]: unknown key "insideRepo"'],
    [
      (d) => (d.questions[0]!['sharedFallback'] = true),
      '.sharedFallback: is only for a question with "perEnvironment"',
    ],
    [(d) => ((d['step'] as Def)['entrypoint'] = 'sh'), '.step: unknown key "entrypoint"'],
    [(d) => ((d['pipeline'] as Def)['on'] = 'push'), '.pipeline: unknown key "on"'],
    [(d) => (d['rehearsal'] = { seed: [], cleanup: [] }), '.rehearsal: unknown key "cleanup"'],
    [(d) => (d['rehearsal'] = { files: [{ path: 'a', text: 'x', mode: 511 }] }), '.files[0]: unknown key "mode"'],
    [(d) => (d['rehearsal'] = { files: [{ path: 'a' }] }), 'either "json" or "text"'],
    [(d) => (d['rehearsal'] = { files: [{ path: 'a/b', reads: 'b', text: 'x' }] }), '.reads: must be a folder that'],
    [(d) => (d['rehearsal'] = { files: [{ path: 'a', json: [] }] }), '.json: must be a JSON object'],
    [
      (d) => (d['rehearsal'] = { files: [{ path: 'a', text: 'x', when: 'topicName' }] }),
      '.when: must name an optional',
    ],
    [(d) => (d['rehearsal'] = { seed: 'aws s3 mb s3://x' }), '.rehearsal.seed: must be an array'],
    [(d) => (d['rehearsal'] = { conditional: { 'not an action': 'x' } }), 'service:Action'],
    [(d) => (d['rehearsal'] = 'none'), '.rehearsal: must be an object'],
    [(d) => (d['description'] = 'x'.repeat(2001)), '.description: must be at most 2000 characters'],
    [(d) => (d['title'] = 'a\u202etitle'), '.title: must hold no control'],
    [(d) => (d['notes'] = ['\u001b[2J']), '.notes[0]: must hold no control'],
    [(d) => (d['notes'] = [42]), '.notes[0]: must be a non-empty string'],
    [(d) => ((d['step'] as Def)['image'] = 'node:24 --privileged'), '.step.image: must be a Docker image'],
    [(d) => ((d['step'] as Def)['services'] = ['docker', 'a b']), '.step.services[1]'],
    [(d) => ((d['step'] as Def)['script'] = ['echo \u0007']), '.step.script[0]: must hold no control'],
    [(d) => (d.questions[0]!['description'] = 7), '.questions[0].description: must be a non-empty string'],
    [(d) => (d.questions[0]!['example'] = 'a\uE000b'), '.questions[0].example: must hold no control'],
    [(d) => ((d['statements'] as Def[])[0]!['Resource'] = 'arn:x y'), '.statements[0].Resource: must hold no white'],
    [(d) => ((d['statements'] as Def[])[0]!['Condition'] = { StringEquals: 'x' }), '.Condition.StringEquals'],
    [(d) => ((d['statements'] as Def[])[0]!['Condition'] = { 'Bad Operator': {} }), 'not a condition operator'],
    [(d) => (d['questions'] = Array.from({ length: 51 }, () => d.questions[0]!)), '.questions: must have at most 50'],
  ];
  for (const [change, rule] of cases) {
    const def = structuredClone(BASE);
    change(def);
    const message = refusal(def);
    assert.ok(message?.startsWith('g.json (sns-notify)'), `${rule}: ${message}`);
    assert.ok(message!.includes(rule), `${message} should say ${rule}`);
  }
  // a file's JSON nested deeper than anyone writes by hand is refused, not walked until the stack runs out
  let deep: unknown = {};
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  assert.match(refusal(withRehearsal({ files: [{ path: 'a.json', json: deep }] }))!, 'nested at most 16 levels');
});

// ---- random and hostile definitions -------------------------------------------------------------------

const HOSTILE_TEXT = [
  '..',
  '../../x',
  '/etc/passwd',
  '~/x',
  'a\\b',
  'a\u0000b',
  '\u001b[2J',
  '{{payloadDir}}',
  '{{topicName}}',
  '{{constructor}}',
  '"$REHEARSAL_TMP"',
  '"$HOME"',
  '$(id)',
  ';',
  '|',
  '>',
  '&&',
  '(',
  ')',
  "'",
  "'x'",
  'fileb://',
  'file:///etc/passwd',
  '-',
  's3://b/k',
  'aws',
  'printf',
  'zip',
  'cd',
  'sh',
  'create-topic',
  'cp',
  'mb',
  '--body',
  '--name',
  ' ',
  '/',
  '',
  '\uE000',
  'a'.repeat(3000),
];
const hostileText = fc.oneof(fc.constantFrom(...HOSTILE_TEXT), fc.string({ maxLength: 12 }));
const words = (n: number) => fc.array(hostileText, { maxLength: n }).map((w) => w.join(' '));
const joined = (n: number) => fc.array(hostileText, { maxLength: n }).map((w) => w.join(''));
/** A path built from hostile pieces joined by "/", or joined as they come. */
const hostilePath = fc.oneof(
  fc.array(hostileText, { minLength: 1, maxLength: 5 }).map((p) => p.join('/')),
  joined(4),
);
const seedLine = fc.oneof(
  words(12),
  fc.constantFrom(...ACCEPTED_SEEDS, ...REFUSED_SEEDS.map(([line]) => line)),
  fc.tuple(fc.constantFrom(...ACCEPTED_SEEDS), words(3)).map(([a, b]) => `${a} ${b}`),
);
const hostileValue = fc.oneof(hostileText, fc.jsonValue({ maxDepth: 3 }), fc.anything({ maxDepth: 2 }));
const rehearsal = fc.record(
  {
    seed: fc.array(fc.oneof(seedLine, fc.record({ run: seedLine, when: fc.constantFrom('topicKeyId', 'topicName') })), {
      maxLength: 3,
    }),
    files: fc.array(
      fc.record(
        {
          path: fc.oneof(hostilePath, hostileValue),
          text: fc.oneof(hostileText, hostileValue),
          json: fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileValue),
          when: fc.constantFrom('topicKeyId', 'topicName', 'nowhere'),
        },
        { requiredKeys: ['path'] },
      ),
      { maxLength: 3 },
    ),
    conditional: fc.dictionary(hostileText, hostileValue, { maxKeys: 2 }),
    unknown: hostileValue,
  },
  { requiredKeys: [] },
);
/** Files at paths of segments often valid, often not: most such blocks load, so their paths are put to the test. */
const segment = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b.txt', '.npmrc', '{{payloadDir}}', '{{ payloadDir }}'), weight: 8 },
  { arbitrary: fc.constantFrom('..', '.', '', '{{topicName}}', '~'), weight: 1 },
);
const plausible = fc.record({
  seed: fc.array(fc.constantFrom(...ACCEPTED_SEEDS), { maxLength: 2 }),
  files: fc.array(
    fc.record({
      path: fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => p.join('/')),
      text: fc.constant('x'),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});
/** A valid definition with one to three fields replaced by hostile values, or a hostile rehearsal block. */
const definition = fc.oneof(
  { arbitrary: plausible.map((r) => withRehearsal(r)), weight: 4 },
  rehearsal.map((r) => withRehearsal(r)),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'id',
          'title',
          'questions',
          'pipeline',
          'step',
          'statements',
          'notes',
          'release',
          'rehearsal',
          'question.pattern',
          'question.example',
          'question.default',
          'question.insideRepository',
          'step.script',
          'step.image',
          'statement.Resource',
          'statement.Condition',
        ),
        hostileValue,
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((changes) => {
      const def = structuredClone(BASE);
      for (const [field, value] of changes) {
        const [owner, key] = field.split('.') as [string, string | undefined];
        if (key === undefined) def[owner] = value;
        else {
          // an earlier change may have replaced the field's owner: then there is nothing to change in it
          const container: unknown =
            owner === 'question'
              ? (def.questions as unknown[] | undefined)?.[2]
              : owner === 'step'
                ? def['step']
                : (def['statements'] as unknown[] | undefined)?.[0];
          if (typeof container === 'object' && container !== null) (container as Def)[key] = value;
        }
      }
      return def;
    }),
  fc.anything({ maxDepth: 3 }),
);

/** Answers each question takes: its example and default, and the hostile texts its own rule lets through. */
function acceptedAnswers(def: TargetDefinition): Record<string, string[]> {
  return Object.fromEntries(
    def.questions.map((q) => {
      const rule = asQuestion(q).rule;
      const candidates = [q.example, q.default ?? '', ...HOSTILE_TEXT, 'a/b', 'a/../b'];
      return [q.name, candidates.filter((v) => v === '' || 'value' in rule(v))];
    }),
  );
}

test('random and hostile definitions: refused with a DefinitionError, or every rehearsal file stays in the copy', () => {
  let loaded = 0;
  fc.assert(
    fc.property(definition, (raw) => {
      let def: TargetDefinition;
      try {
        def = parseTargetDefinition(raw, 'g.json');
      } catch (e) {
        if (e instanceof DefinitionError) return;
        throw e;
      }
      loaded++;
      const answers = acceptedAnswers(def);
      const root = '/scratch/repository';
      for (let pick = 0; pick < 4; pick++) {
        const value = (name: string) => {
          const options = answers[name] ?? [''];
          return options[pick % options.length] ?? '';
        };
        for (const f of rehearsalFiles(def, (n) => value(n) !== '', value)) {
          const written = posix.join(root, f.path);
          // the copy itself (a path answered ".") is there already: rehearse writes only a missing file
          assert.ok(written === root || written.startsWith(`${root}/`), `${f.path} leads out of the scratch copy`);
        }
      }
    }),
    { seed: 20260612, numRuns: 1000 },
  );
  assert.ok(loaded > 200, `only ${loaded} random definitions loaded: the property says little`);
});

test('through the CLI: a hostile definition is one line and exit 2, never an unexpected error (exit 70)', () => {
  const tmp = tempDir();
  try {
    const samples = fc.sample(definition, { seed: 20260612, numRuns: 25 });
    samples.forEach((raw, i) => {
      const dir = join(tmp.path, `g${i}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'target.json'), JSON.stringify(raw) ?? 'null');
      const r = runCli(['gallery', '--gallery', dir, '--json'], { cwd: tmp.path });
      if (r.status === 0) return;
      assertOneLineError(r, 2, [`--gallery ${dir}`]);
    });
  } finally {
    tmp.cleanup();
  }
});

test('rehearse refuses a gallery whose rehearsal would write outside its scratch copy: exit 2, nothing written', () => {
  const tmp = tempDir();
  const escaped = join(tmpdir(), `pipelines-oidc-escaped-${process.pid}-${Date.now()}.txt`);
  try {
    const repo = join(tmp.path, 'repo');
    mkdirSync(join(repo, 'targets'), { recursive: true });
    const definition = join(repo, 'targets/sns-notify.json');
    writeFileSync(definition, JSON.stringify(BASE));
    const made = runNew(
      [
        ...exampleFlags({ name: 'repo', target: 'sts-check,sns-notify' }),
        '--topic-name',
        'deploy-events',
        '--payload-dir',
        'messages',
      ].concat(['--gallery', 'repo/targets', '--no-git', '--yes']),
      tmp.path,
    );
    assert.is(made.status, 0, made.stderr);
    // the scratch copy is <tmp>/pipelines-oidc-rehearse-*/repository: two levels up is the system's tmpdir
    writeFileSync(
      definition,
      JSON.stringify(withRehearsal({ files: [{ path: `../../${basename(escaped)}`, text: 'escaped\n' }] })),
    );
    const r = runCli(['rehearse', 'repo', '--runs', '1'], { cwd: tmp.path });
    assertOneLineError(r, 2, ['"gallery" targets/sns-notify.json', '.rehearsal.files[0].path']);
    assert.not.ok(existsSync(escaped), `${escaped} was written`);
  } finally {
    rmSync(escaped, { force: true });
    tmp.cleanup();
  }
});

test('every built-in target loads as a gallery file would (its seeds and files are of the forms taken)', () => {
  for (const t of BUILT_IN_TARGETS) assert.is(refusal(JSON.parse(JSON.stringify(t))), undefined, t.id);
});

test.run();
