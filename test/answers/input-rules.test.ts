/**
 * Input rules at the edges: a misspelled target answer in --answers, a byte-order mark, a path answer
 * that leads out of the repository, blank lines before a roster's header, and gallery question names
 * every JavaScript object already has. Each is a one-line error naming the input (exit 2), or accepted.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineError, runNew } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, exampleFlags, ROOT, runCli, tempDir } from '../support/fixtures.ts';

const S3 = [...exampleFlags({ target: 's3-static-site' }), '--site-bucket', 'www.example.com'];

function withTemp(body: (root: string) => void): () => void {
  return () => {
    const tmp = tempDir();
    try {
      body(tmp.path);
    } finally {
      tmp.cleanup();
    }
  };
}

test(
  'a misspelled key in targetAnswers is an error naming it and the closest known answer',
  withTemp((root) => {
    writeFileSync(join(root, 'a.json'), JSON.stringify({ targetAnswers: { siteBuckt: 'www.example.com' } }));
    const r = runNew([...S3, '--answers', 'a.json', '--dir', 'out', '--no-git'], root);
    assertOneLineError(r, 2, ['--answers a.json', '"siteBuckt"', 'targetAnswers', 'did you mean siteBucket?']);
    assert.not.ok(existsSync(join(root, 'out')));
  }),
);

test(
  'an --answers file with a UTF-8 byte-order mark is read as without one',
  withTemp((root) => {
    writeFileSync(join(root, 'a.json'), `\uFEFF${readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')}`);
    const r = runNew(['--answers', 'a.json', '--dir', 'out', '--no-git', '--yes'], root);
    assert.is(r.status, 0, r.stderr);
  }),
);

test(
  'a path answer meant to be inside the repository may not lead out of it (exit 2 naming the flag)',
  withTemp((root) => {
    for (const dir of ['..', 'public/../..', './../site'])
      assertOneLineError(runNew([...S3, '--site-dir', dir, '--dir', 'out', '--no-git'], root), 2, [
        '--site-dir',
        'inside the repository',
      ]);
    assert.not.ok(existsSync(join(root, 'out')));
    const inside = runNew([...S3, '--site-dir', 'build/../public', '--dir', 'out', '--no-git'], root);
    assert.is(inside.status, 0, inside.stderr);
  }),
);

test(
  'a roster with blank lines before its header is read (blank lines are skipped)',
  withTemp((root) => {
    writeFileSync(join(root, 'roster.csv'), '\n\r\n\nattendee,repo\nAna López,\n');
    const r = runCli(
      ['workshop', '--roster', 'roster.csv', '--out', 'ws', '--answers', EXAMPLE_ANSWERS_FILE, '--dry-run'],
      { cwd: root, env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined } },
    );
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, 'ws/ana-lopez/');
  }),
);

test(
  'a gallery question named like a member of every object is refused at load, not a crash',
  withTemp((root) => {
    const definition = readFileSync(join(ROOT, 'test/fixtures/gallery-ok/sns-notify.json'), 'utf8');
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      cpSync(join(ROOT, 'test/fixtures/gallery-ok'), join(root, name), { recursive: true });
      writeFileSync(join(root, name, 'sns-notify.json'), definition.replaceAll('topicName', name));
      const r = runNew(
        [
          ...exampleFlags({ target: 'sns-notify' }),
          '--gallery',
          name,
          '--topic-name',
          't1',
          '--dir',
          'out',
          '--no-git',
        ],
        root,
      );
      assertOneLineError(r, 2, [`"${name}"`, 'questions[0].name', 'choose another name']);
    }
  }),
);

test.run();
