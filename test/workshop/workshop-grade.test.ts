/**
 * `workshop grade`: a workshop folder written here by hand (facilitator/workshop.json and the attendees'
 * repositories), graded in-process: the table, the JSON rows, the exit code, a missing folder, a bad state.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Answers } from '../../src/core/answers/questions.ts';
import { run } from '../../src/commands/workshop-grade.ts';
import { readCheckInput } from '../../src/io/check-input.ts';
import { findExercise } from '../../src/core/workshop/exercises.ts';
import { gradeAttendee, type GradeRow } from '../../src/core/workshop/grade.ts';
import type { WorkshopState } from '../../src/core/workshop/types.ts';
import { UsageError } from '../../src/errors.ts';
import { answers, exerciseRepo, renderRepo, runCli, tempDir } from '../support/fixtures.ts';

const ISSUER = 'api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc';

const ATTENDEES = [
  { attendee: 'Ada Lovelace', repo: 'ada-site', exercise: 'workspace-wide-trust' },
  { attendee: 'Bob Bemer', repo: 'bob-site', exercise: 'missing-oidc' },
  { attendee: 'Cy Young', repo: 'cy-site', exercise: null },
  { attendee: 'Dee Dee', repo: 'dee-site', exercise: 'workspace-wide-trust' },
];

const attendeeAnswers = (repo: string): Answers => answers({ name: repo, roleName: `workshop-${repo}` });

function writeFiles(dir: string, files: Array<{ path: string; content: string }>): void {
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
}

/** The folder `workshop` would write: each attendee's repository (exercise or plain) and the state. */
function writeWorkshop(
  out: string,
  attendees: Array<{ attendee: string; repo: string; exercise: string | null }>,
): void {
  for (const a of attendees) {
    const { model, files } = renderRepo(attendeeAnswers(a.repo));
    const rendered = [...files].map(([path, content]) => ({ path, content }));
    writeFiles(join(out, a.repo), a.exercise ? exerciseRepo(findExercise(a.exercise)!, model, files) : rendered);
  }
  const state: WorkshopState = {
    tool: 'pipelines-oidc',
    version: '0.0.0-test',
    attendees: attendees.map((a) => ({
      ...a,
      roleName: `workshop-${a.repo}`,
      roleArn: `arn:aws:iam::123456789012:role/workshop-${a.repo}`,
    })),
  };
  writeFiles(out, [{ path: 'facilitator/workshop.json', content: `${JSON.stringify(state, null, 2)}\n` }]);
}

/** The fix of workspace-wide-trust, as its last hint says: a StringLike condition on sub. */
function fixTrust(repo: string): void {
  const file = join(repo, 'iam/trust-policy.json');
  const policy = JSON.parse(readFileSync(file, 'utf8')) as { Statement: Array<{ Condition: Record<string, unknown> }> };
  policy.Statement[0]!.Condition['StringLike'] = { [`${ISSUER}:sub`]: `{${answers().repoUuid}}:*` };
  writeFileSync(file, JSON.stringify(policy, null, 2));
}

async function grade(argv: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const code = await run(argv, (t) => {
    text += t;
  });
  return { code, text };
}

function withWorkshop(body: (out: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const tmp = tempDir();
    const cache = process.env['XDG_CACHE_HOME'];
    try {
      // no cached schema from this machine: the grade is the same everywhere
      process.env['XDG_CACHE_HOME'] = join(tmp.path, 'cache');
      await body(join(tmp.path, 'workshop'));
    } finally {
      if (cache === undefined) delete process.env['XDG_CACHE_HOME'];
      else process.env['XDG_CACHE_HOME'] = cache;
      tmp.cleanup();
    }
  };
}

/** The workshop as a grading finds it: Ada's exercise fixed, Bob's not, Cy's repository clean, Dee's folder gone. */
function writeHalfDoneWorkshop(out: string): void {
  writeWorkshop(out, ATTENDEES);
  fixTrust(join(out, 'ada-site'));
  rmSync(join(out, 'dee-site'), { recursive: true });
}

test(
  'one exercise fixed, one not, a clean repository, a missing folder: table, total, exit 1',
  withWorkshop(async (out) => {
    writeHalfDoneWorkshop(out);
    const { code, text } = await grade([out]);
    assert.is(code, 1, text);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^attendee\s+exercise\s+fixed\s+findings left$/);
    const row = (who: string) => lines.find((l) => l.startsWith(who))!.split(/\s{2,}/);
    assert.equal(row('Ada Lovelace'), ['Ada Lovelace', 'workspace-wide-trust', '✓', '0']);
    assert.equal(row('Bob Bemer'), ['Bob Bemer', 'missing-oidc', '✗', '1 (pipeline.oidc-missing)']);
    assert.equal(row('Cy Young'), ['Cy Young', '(none)', '✓', '0']);
    assert.equal(row('Dee Dee'), ['Dee Dee', 'workspace-wide-trust', '✗', 'folder dee-site is missing']);
    assert.ok(
      lines.includes(
        '✖ 2 of 4 done (exercises fixed 1 of 3; repositories without an exercise clean 1 of 1; 1 not checked)',
      ),
      text,
    );
    assert.match(text, /schema: none cached/);
  }),
);

test(
  '--json prints the rows',
  withWorkshop(async (out) => {
    writeHalfDoneWorkshop(out);
    const { code, text } = await grade([out, '--json']);
    assert.is(code, 1);
    const rows = JSON.parse(text) as GradeRow[];
    assert.equal(rows, [
      {
        attendee: 'Ada Lovelace',
        repo: 'ada-site',
        exercise: 'workspace-wide-trust',
        checked: true,
        fixed: true,
        findingsLeft: { count: 0, ids: [] },
        warnings: 0,
      },
      {
        attendee: 'Bob Bemer',
        repo: 'bob-site',
        exercise: 'missing-oidc',
        checked: true,
        fixed: false,
        findingsLeft: { count: 1, ids: ['pipeline.oidc-missing'] },
        warnings: 0,
      },
      {
        attendee: 'Cy Young',
        repo: 'cy-site',
        exercise: null,
        checked: true,
        fixed: true,
        findingsLeft: { count: 0, ids: [] },
        warnings: 0,
      },
      {
        attendee: 'Dee Dee',
        repo: 'dee-site',
        exercise: 'workspace-wide-trust',
        checked: false,
        fixed: false,
        findingsLeft: { count: 0, ids: [] },
        warnings: 0,
        note: 'folder dee-site is missing',
      },
    ]);
  }),
);

test(
  'everything fixed: exit 0',
  withWorkshop(async (out) => {
    writeWorkshop(out, ATTENDEES);
    fixTrust(join(out, 'ada-site'));
    fixTrust(join(out, 'dee-site'));
    const pipeline = join(out, 'bob-site/bitbucket-pipelines.yml');
    // the fix of missing-oidc: oidc: true on the one step, next to its image
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace(/^( +)image: (.*)$/m, '$1image: $2\n$1oidc: true'));
    const { code, text } = await grade([out]);
    assert.is(code, 0, text);
    assert.ok(
      text.includes('✔ 4 of 4 done (exercises fixed 3 of 3; repositories without an exercise clean 1 of 1)'),
      text,
    );
  }),
);

test(
  'a repository left without its trust policy is not graded as fixed',
  withWorkshop(async (out) => {
    writeWorkshop(out, ATTENDEES.slice(0, 1));
    rmSync(join(out, 'ada-site/iam/trust-policy.json'));
    const { code, text } = await grade([out, '--json']);
    assert.is(code, 1);
    const [row] = JSON.parse(text) as GradeRow[];
    assert.equal([row!.checked, row!.fixed, row!.note], [false, false, 'ada-site holds no trust policy']);
  }),
);

test(
  'a manifest check cannot read leaves that repository ungraded, with the one-line reason; one without environments is still compared',
  withWorkshop(async (out) => {
    writeWorkshop(out, ATTENDEES.slice(2, 3));
    const manifestPath = join(out, 'cy-site/.pipelines-oidc.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & {
      answers: Record<string, unknown>;
    };
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, gallery: 42 }));
    const broken = await grade([out, '--json']);
    assert.is(broken.code, 1);
    const [row] = JSON.parse(broken.text) as GradeRow[];
    assert.equal(
      [row!.checked, row!.fixed, row!.note],
      [false, false, 'cy-site/.pipelines-oidc.json: "gallery" must be a string (a folder path)'],
    );

    delete manifest.answers['environments'];
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const main = join(out, 'cy-site/terraform/main.tf');
    writeFileSync(main, readFileSync(main, 'utf8').replace('Action   = "iam:GetRole"', 'Action   = "iam:ListRoles"'));
    const drifted = await grade([out, '--json']);
    const [again] = JSON.parse(drifted.text) as GradeRow[];
    assert.equal([again!.checked, again!.fixed, again!.findingsLeft.ids], [true, false, ['iac.drift']]);
  }),
);

test('grading is about the exercise and every other error: a fix that breaks something else is not done', () => {
  const tmp = tempDir();
  try {
    const { model, files } = renderRepo(attendeeAnswers('ada-site'));
    writeFiles(tmp.path, exerciseRepo(findExercise('workspace-wide-trust')!, model, files));
    fixTrust(tmp.path);
    writeFileSync(
      join(tmp.path, 'iam/inline-policy.json'),
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    );
    const attendee = { attendee: 'Ada', repo: 'ada-site', exercise: 'workspace-wide-trust' };
    const row = gradeAttendee(attendee, { input: readCheckInput(tmp.path) }, { now: new Date() });
    assert.equal([row.fixed, row.findingsLeft], [false, { count: 1, ids: ['policy.broad'] }]);
    const clean = gradeAttendee(
      { ...attendee, exercise: null },
      { input: readCheckInput(tmp.path) },
      { now: new Date() },
    );
    assert.is(clean.fixed, false);
    const unknown = gradeAttendee(
      { ...attendee, exercise: 'from-a-newer-version' },
      { input: readCheckInput(tmp.path) },
      { now: new Date() },
    );
    assert.equal(
      [unknown.fixed, unknown.note],
      [false, 'unknown exercise from-a-newer-version: graded as clean or not'],
    );
  } finally {
    tmp.cleanup();
  }
});

test(
  'through the CLI: pipelines-oidc workshop grade exits 1 with the table, and 2 on a folder that is no workshop',
  withWorkshop(async (out) => {
    writeWorkshop(out, ATTENDEES.slice(0, 2));
    const env = { XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] };
    const r = runCli(['workshop', 'grade', out], { env });
    assert.is(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Ada Lovelace +workspace-wide-trust +✗ +1 \(trust\.workspace-wide\)$/m);
    assert.match(r.stdout, /✖ 0 of 2 done/);
    const none = runCli(['workshop', 'grade', join(out, 'ada-site')], { env });
    assert.is(none.status, 2);
    assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
    assert.match(none.stderr, /has no facilitator\/workshop\.json/);
  }),
);

async function usageError(argv: string[]): Promise<string> {
  try {
    await grade(argv);
  } catch (e) {
    assert.instance(e, UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

test(
  'a folder without a valid workshop.json is a usage error naming it',
  withWorkshop(async (out) => {
    mkdirSync(out, { recursive: true });
    assert.match(await usageError([out]), `${out} has no facilitator/workshop.json`);
    writeFiles(out, [{ path: 'facilitator/workshop.json', content: '{"tool": "pipelines-oidc", "attendees": {' }]);
    assert.match(
      await usageError([out]),
      `${join(out, 'facilitator/workshop.json')} is not a workshop state: not valid JSON`,
    );
    writeFiles(out, [{ path: 'facilitator/workshop.json', content: '{"tool": "something-else", "attendees": []}' }]);
    assert.match(await usageError([out]), /"tool" is not "pipelines-oidc"/);
    writeFiles(out, [
      {
        path: 'facilitator/workshop.json',
        content: JSON.stringify({
          tool: 'pipelines-oidc',
          version: '1',
          attendees: [{ attendee: 'Eve', repo: '../outside', exercise: null }],
        }),
      },
    ]);
    assert.match(await usageError([out]), /attendees\[0\]\.repo is not a folder name/);
    assert.match(await usageError([]), /takes one <dir>/);
    assert.match(await usageError([out, '--colour']), /unknown option --colour/);
  }),
);

test.run();
