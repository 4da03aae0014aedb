/**
 * `pipelines-oidc gallery` and `--gallery <dir>` through the built CLI: the listing covers every
 * built-in target with usable examples, a folder of JSON definitions adds targets that `new` renders,
 * and each kind of malformed definition is refused with one line naming the file and the field.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { commandFlags } from '../../src/core/cli/command-table.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { DefinitionError, parseTargetDefinition } from '../../src/core/gallery/parse.ts';
import { assertOneLineError, onlyJson, readTree, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE, exampleFlags, ROOT, runCli, tempDir } from '../support/fixtures.ts';

interface Entry {
  id: string;
  title: string;
  description: string;
  questions: Array<{ name: string; flag: string; description: string; example: string; optional?: boolean }>;
}

const GALLERY_OK = 'test/fixtures/gallery-ok';
const gallery = (args: string[]) => runCli(['gallery', ...args], { cwd: ROOT });

function withTemp(body: (root: string) => void): void {
  const tmp = tempDir();
  try {
    body(tmp.path);
  } finally {
    tmp.cleanup();
  }
}

test('gallery --json lists every built-in target with its questions', () => {
  const entries = onlyJson(gallery(['--json'])) as Entry[];
  assert.ok(Array.isArray(entries));
  assert.equal(
    entries.map((e) => e.id),
    BUILT_IN_TARGETS.map((t) => t.id),
  );
  for (const e of entries) {
    const release = BUILT_IN_TARGETS.find((t) => t.id === e.id)?.release;
    assert.equal(
      Object.keys(e).sort(),
      ['description', 'id', 'questions', ...(release ? ['release'] : []), 'title'],
      e.id,
    );
    assert.is((e as { release?: string }).release, release, `${e.id}: a release says why it runs once`);
    for (const key of ['id', 'title', 'description'] as const)
      assert.ok(typeof e[key] === 'string' && e[key].length > 0, `${e.id}.${key}`);
    const definition = BUILT_IN_TARGETS.find((t) => t.id === e.id)!;
    assert.equal(
      e.questions.map((q) => q.name),
      definition.questions.map((q) => q.name),
      `${e.id} questions`,
    );
    for (const q of e.questions) {
      const at = `${e.id} ${q.name}`;
      for (const key of ['name', 'flag', 'description', 'example'] as const)
        assert.ok(typeof q[key] === 'string' && q[key].length > 0, `${at}.${key}`);
      assert.match(q.flag, /^--[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${at}: a long flag`);
      const own = definition.questions.find((d) => d.name === q.name)!;
      assert.ok(new RegExp(own.pattern).test(q.example), `${at}: example ${q.example} matches ${own.pattern}`);
      assert.is(q.optional ?? false, own.optional ?? false, `${at}: optional`);
      assert.is(
        (q as { perEnvironment?: boolean }).perEnvironment ?? false,
        own.perEnvironment ?? false,
        `${at}: per environment`,
      );
    }
  }
});

test('every built-in target renders with the examples the gallery shows (all answers, and required ones only)', () => {
  const entries = onlyJson(gallery(['--json'])) as Entry[];
  for (const e of entries) {
    const all = e.questions.flatMap((q) => [q.flag, q.example]);
    const required = e.questions.filter((q) => !q.optional).flatMap((q) => [q.flag, q.example]);
    for (const [label, flags] of [
      ['all', all],
      ['required', required],
    ] as const) {
      const r = runNew([...exampleFlags({ target: e.id }), ...flags, '--yes', '--dry-run', '--json'], ROOT);
      assert.is(r.status, 0, `${e.id} (${label} examples): ${r.stderr}`);
      const result = JSON.parse(r.stdout) as { files: string[] };
      assert.ok(result.files.includes('iam/inline-policy.json'), e.id);
    }
  }
});

test('gallery prints every target id and flag as text', () => {
  const r = gallery([]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const lines = r.stdout.split('\n');
  for (const t of BUILT_IN_TARGETS) {
    assert.ok(
      lines.some((l) => l.startsWith(`${t.id} `)),
      `${t.id} listed`,
    );
    for (const q of t.questions) assert.ok(r.stdout.includes(`--${q.flag}`), `${t.id}: --${q.flag}`);
  }
});

test("--gallery adds the folder's targets after the built-in ones", () => {
  const entries = onlyJson(gallery(['--json', '--gallery', GALLERY_OK])) as Entry[];
  assert.equal(
    entries.map((e) => e.id),
    [...BUILT_IN_TARGETS.map((t) => t.id), 'sns-notify'],
  );
  const custom = entries.at(-1)!;
  assert.is(custom.title, 'Notify an SNS topic');
  assert.equal(
    custom.questions.map((q) => [q.name, q.flag, q.example, q.optional ?? false]),
    [
      ['topicName', '--topic-name', 'deploy-events', false],
      ['topicKeyId', '--topic-key-id', '1234abcd-12ab-34cd-56ef-1234567890ab', true],
    ],
  );
  const text = gallery(['--gallery', GALLERY_OK]);
  assert.is(text.status, 0, text.stderr);
  assert.ok(
    text.stdout.split('\n').some((l) => l.startsWith('sns-notify ')),
    text.stdout,
  );
  assert.ok(text.stdout.includes('--topic-key-id'));
});

test('new renders a gallery target: its flags are accepted and its statements are in the inline policy', () => {
  withTemp((root) => {
    const out = join(root, 'out');
    const r = runNew(
      [
        ...exampleFlags({ target: 'sts-check,sns-notify' }),
        '--gallery',
        GALLERY_OK,
        '--topic-name',
        'deploy-events',
        '--topic-key-id',
        '1234abcd-12ab-34cd-56ef-1234567890ab',
        '--dir',
        out,
        '--no-git',
        '--yes',
      ],
      ROOT,
    );
    assert.is(r.status, 0, r.stderr);
    const files = readTree(out);
    const inline = JSON.parse(files.get('iam/inline-policy.json')!) as {
      Statement: Array<{ Sid: string; Action: string | string[]; Resource: string }>;
    };
    const arn = (service: string, rest: string) => `arn:aws:${service}:${EXAMPLE.region}:${EXAMPLE.account}:${rest}`;
    assert.equal(
      inline.Statement.map((s) => [s.Sid, s.Resource]),
      [
        ['ReadOwnRole', `arn:aws:iam::${EXAMPLE.account}:role/${EXAMPLE.roleName}`],
        ['PublishToTopic', arn('sns', 'deploy-events')],
        ['UseTopicKey', arn('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab')],
      ],
    );
    assert.ok(
      files
        .get('bitbucket-pipelines.yml')!
        .includes(`aws sns publish --topic-arn ${arn('sns', 'deploy-events')} --message deployed`),
    );
    assert.ok(
      files.get('bitbucket-pipelines.yml')!.includes('echo encrypted with key 1234abcd-12ab-34cd-56ef-1234567890ab'),
      'the optional script line, once answered',
    );
    assert.ok(files.get('terraform/variables.tf')!.includes('variable "topic_name"'));
    assert.ok(files.get('cloudformation/oidc-role.yaml')!.includes('TopicName:'));
  });
});

test("without --gallery the folder's target and flags are unknown (exit 2)", () => {
  withTemp((root) => {
    assertOneLineError(
      runNew([...exampleFlags({ target: 'sns-notify' }), '--dir', 'out', '--no-git', '--yes'], root),
      2,
      ['sns-notify'],
    );
    assertOneLineError(
      runNew([...exampleFlags(), '--topic-name', 'deploy-events', '--dir', 'out', '--no-git', '--yes'], root),
      2,
      ['--topic-name'],
    );
    assert.not.ok(existsSync(join(root, 'out')));
  });
});

/** Each malformed definition: its folder, and what the one error line must name. */
const MALFORMED: Array<[string, string[]]> = [
  ['gallery-bad-json', ['truncated.json', 'not valid JSON']],
  ['gallery-missing-field', ['no-title.json', '.title']],
  ['gallery-bad-pattern', ['bad-pattern.json', '.questions[0].pattern', 'regular expression']],
  ['gallery-example-mismatch', ['example-mismatch.json', '.questions[0].example']],
  ['gallery-unknown-placeholder', ['unknown-placeholder.json', '{{queueName}}']],
  ['gallery-when-required', ['when-required.json', '.statements[1].when', 'optional']],
  ['gallery-deny', ['deny.json', '.statements[0].Effect', 'Allow']],
  ['gallery-id-clash', ['id-clash.json', 'id', '"sts-check"']],
  ['gallery-flag-clash', ['flag-clash.json', '.questions[0].flag', '--region']],
  ['gallery-seed-command', ['seed-command.json', '.rehearsal.seed[0]', '";" outside single quotes']],
  ['gallery-seed-program', ['seed-program.json', '.rehearsal.seed[0]', 'must be an aws command']],
  ['gallery-file-escape', ['file-escape.json', '.rehearsal.files[0].path', 'normalised relative path']],
  ['gallery-unknown-key', ['unknown-key.json', '.questions[0]', 'unknown key "insideRepo"']],
  ['gallery-control-char', ['control-char.json', '.title', 'control']],
];

for (const [folder, fragments] of MALFORMED) {
  test(`${folder}: exit 2 with one line naming the file and the field, nothing written`, () => {
    const dir = `test/fixtures/${folder}`;
    assertOneLineError(gallery(['--gallery', dir]), 2, [dir, ...fragments]);
    withTemp((root) => {
      const out = join(root, 'out');
      assertOneLineError(
        runNew([...exampleFlags(), '--gallery', dir, '--dir', out, '--no-git', '--yes'], ROOT),
        2,
        fragments,
      );
      assert.not.ok(existsSync(out), 'nothing written');
    });
  });
}

test('the malformed fixtures differ from the valid one in the one thing each is about', () => {
  const ok = JSON.parse(readFileSync(join(ROOT, GALLERY_OK, 'sns-notify.json'), 'utf8')) as Record<string, unknown>;
  const read = (folder: string, file: string) =>
    JSON.parse(readFileSync(join(ROOT, 'test/fixtures', folder, file), 'utf8')) as Record<string, unknown>;
  const same = (folder: string, file: string, undo: (d: Record<string, unknown>) => void) => {
    const d = read(folder, file);
    undo(d);
    assert.equal(d, ok, `${folder} is the valid definition but for one change`);
  };
  type Q = Array<Record<string, unknown>>;
  same('gallery-missing-field', 'no-title.json', (d) => Object.assign(d, { id: ok['id'], title: ok['title'] }));
  // each fixture but for its id is the valid definition with one field of one question or statement changed
  for (const [folder, file, list, i, key] of [
    ['gallery-bad-pattern', 'bad-pattern.json', 'questions', 0, 'pattern'],
    ['gallery-example-mismatch', 'example-mismatch.json', 'questions', 0, 'example'],
    ['gallery-unknown-placeholder', 'unknown-placeholder.json', 'statements', 0, 'Resource'],
    ['gallery-when-required', 'when-required.json', 'statements', 1, 'when'],
    ['gallery-flag-clash', 'flag-clash.json', 'questions', 0, 'flag'],
  ] as const)
    same(folder, file, (d) => ((d['id'] = ok['id']), ((d[list] as Q)[i]![key] = (ok[list] as Q)[i]![key])));
  same('gallery-deny', 'deny.json', (d) => ((d['id'] = ok['id']), ((d['statements'] as Q)[0]!['Effect'] = 'Allow')));
  same('gallery-id-clash', 'id-clash.json', (d) => (d['id'] = ok['id']));
  for (const [folder, file] of [
    ['gallery-seed-command', 'seed-command.json'],
    ['gallery-seed-program', 'seed-program.json'],
    ['gallery-file-escape', 'file-escape.json'],
  ] as const)
    same(folder, file, (d) => ((d['id'] = ok['id']), delete d['rehearsal']));
  same(
    'gallery-unknown-key',
    'unknown-key.json',
    (d) => ((d['id'] = ok['id']), delete (d['questions'] as Q)[0]!['insideRepo']),
  );
  same('gallery-control-char', 'control-char.json', (d) => Object.assign(d, { id: ok['id'], title: ok['title'] }));
  assert.throws(() => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/gallery-bad-json/truncated.json'), 'utf8')));
});

test("a question clashing with a built-in target's question is refused; one it shares exactly is fine", () => {
  const builtIn = BUILT_IN_TARGETS.flatMap((t) => t.questions)[0];
  if (!builtIn) {
    console.log('note: no built-in target asks a question yet; the shared-question check is skipped');
    return;
  }
  withTemp((root) => {
    type Definition = { questions: unknown[]; statements: unknown[]; step: { script: unknown[] } };
    const ok = JSON.parse(readFileSync(join(ROOT, GALLERY_OK, 'sns-notify.json'), 'utf8')) as Definition;
    /** The valid definition with its optional question (and what uses it) replaced by `question`. */
    const write = (folder: string, question: Record<string, unknown>) => {
      mkdirSync(join(root, folder));
      const definition = {
        ...ok,
        questions: [ok.questions[0], question],
        statements: [ok.statements[0]],
        step: { ...ok.step, script: [ok.step.script[0]] },
      };
      writeFileSync(join(root, folder, 'shared.json'), JSON.stringify(definition));
      return join(root, folder);
    };
    const shared = write('shared', {
      name: builtIn.name,
      flag: builtIn.flag,
      description: 'the same question',
      example: builtIn.example,
      pattern: builtIn.pattern,
    });
    const sharedRun = runCli(['gallery', '--gallery', shared, '--json'], { cwd: root });
    assert.is(sharedRun.status, 0, sharedRun.stderr);
    const clash = write('clash', {
      name: builtIn.name,
      flag: builtIn.flag,
      description: 'same flag, another rule',
      example: 'x',
      pattern: '^x$',
    });
    assertOneLineError(runCli(['gallery', '--gallery', clash], { cwd: root }), 2, [
      'shared.json',
      `--${builtIn.flag}`,
      'clashes',
    ]);
  });
});

/** The valid definition with its first question taking `--flag`. */
function takingFlag(flag: string): Record<string, unknown> {
  const ok = JSON.parse(readFileSync(join(ROOT, GALLERY_OK, 'sns-notify.json'), 'utf8')) as { questions: object[] };
  return { ...ok, questions: [{ ...ok.questions[0], flag }, ...ok.questions.slice(1)] };
}

/** A gallery folder in `root` whose one definition's first question takes `--flag`. */
function galleryTaking(root: string, flag: string): string {
  const dir = join(root, `takes-${flag}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'clash.json'), JSON.stringify(takingFlag(flag)));
  return dir;
}

test("a question taking a command's own flag (--out, --roster, --concurrency, --profile, …) is refused at load", () => {
  withTemp((root) => {
    for (const [flag, command] of [
      ['out', 'workshop'],
      ['roster', 'workshop'],
      ['concurrency', 'workshop'],
      ['list-exercises', 'workshop'],
      ['profile', 'apply, doctor, why'],
      ['token', 'check'],
      ['diff', 'add, update'],
      ['help', 'pipelines-oidc'],
    ]) {
      const dir = galleryTaking(root, flag!);
      assertOneLineError(runCli(['gallery', '--gallery', dir], { cwd: root }), 2, [
        join(dir, 'clash.json'),
        `question topicName takes --${flag}, a flag of ${command};`,
      ]);
    }
  });
});

test('workshop --out cannot become a target answer: a gallery question taking --out stops the workshop, nothing written', () => {
  withTemp((root) => {
    const dir = galleryTaking(root, 'out');
    writeFileSync(join(root, 'roster.csv'), 'attendee\nAna\n');
    // the answers of new but the name and the repository UUID, which are the roster's
    const answers = exampleFlags({ target: 'sns-notify' })
      .slice(1)
      .filter((a, i, all) => a !== '--repo-uuid' && all[i - 1] !== '--repo-uuid');
    const args = ['workshop', '--roster', 'roster.csv', '--out', 'out', ...answers, '--topic-name', 'events', '--yes'];
    const r = runCli([...args, '--gallery', dir], { cwd: root });
    assertOneLineError(r, 2, ['clash.json', 'question topicName takes --out']);
    assert.not.ok(existsSync(join(root, 'out')), 'nothing written');
  });
});

test('every flag of every command is refused as a question flag, and a flag no command takes is fine', () => {
  for (const [flag, commands] of commandFlags()) {
    try {
      parseTargetDefinition(takingFlag(flag), 'g.json');
      assert.unreachable(`--${flag} accepted`);
    } catch (e) {
      assert.instance(e, DefinitionError, `--${flag}`);
      assert.match(
        (e as Error).message,
        `g.json (sns-notify).questions[0].flag: question topicName takes --${flag}, a flag of ${commands.join(', ')}`,
      );
    }
  }
  assert.ok(parseTargetDefinition(takingFlag('topic-arn'), 'g.json'));
});

test('a --gallery that is no folder of definitions is refused naming --gallery', () => {
  withTemp((root) => {
    assertOneLineError(runCli(['gallery', '--gallery', 'missing'], { cwd: root }), 2, ['--gallery', 'missing']);
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'empty', 'README.md'), 'no definitions here\n');
    assertOneLineError(runCli(['gallery', '--gallery', 'empty'], { cwd: root }), 2, ['--gallery', 'empty', '.json']);
    assertOneLineError(runCli(['gallery', 'extra'], { cwd: root }), 2, ['extra']);
  });
});

test.run();
