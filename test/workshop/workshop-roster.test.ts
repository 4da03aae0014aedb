/** The workshop roster: RFC 4180 CSV, and every rule a row must meet, each with its exact `line N:` message. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asQuestion } from '../../src/core/answers/resolve.ts';
import { BUILT_IN_TARGETS, findTarget } from '../../src/core/targets/registry.ts';
import { parseCsv } from '../../src/core/workshop/csv.ts';
import { EXERCISES } from '../../src/core/workshop/exercises.ts';
import { parseExerciseList, planWorkshop } from '../../src/core/workshop/plan.ts';
import { parseRoster, slugOf, type RosterOptions } from '../../src/core/workshop/roster.ts';
import { UsageError } from '../../src/errors.ts';
import { runCli, tempDir, WORKSHOP_FLAGS, WORKSHOP_SOURCES } from '../support/fixtures.ts';

const UUID_A = '11111111-1111-4111-8111-111111111111';
const UUID_B = '22222222-2222-4222-8222-222222222222';
const SITE = findTarget(BUILT_IN_TARGETS, 's3-static-site')!.questions.map(asQuestion);
const OPTIONS: RosterOptions = { rolePrefix: 'ws', questions: SITE, environments: [] };
const SLUG_RULE =
  'must be a Bitbucket repository slug: 1-62 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit';
const UUID_RULE = 'must be a UUID like {2a1b3c4d-1111-4222-8333-444455556666} (braces optional)';

const problems = (text: string, options: RosterOptions = OPTIONS) => parseRoster(text, options).problems;

test('CSV: quotes, "" escapes, commas and line breaks in quotes, CRLF, a BOM, blank trailing lines', () => {
  const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\nplain,,last\r\n\r\n   \n\n';
  assert.equal(parseCsv(text), {
    records: [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\r\nlines'] },
      { line: 4, fields: ['plain', '', 'last'] },
    ],
    problems: [],
  });
});

test('CSV: LF and lone CR line breaks, a trailing comma, no final line break, an empty quoted field', () => {
  assert.equal(parseCsv('a,b\nc,\rd,""').records, [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, fields: ['c', ''] },
    { line: 3, fields: ['d', ''] },
  ]);
});

test('CSV: malformed records are reported by the line they start on, and reading goes on', () => {
  const r = parseCsv('a,b\nx"y,1\n"ok"z,2\n"fine\nacross",3\n"open,4\n');
  assert.equal(r.records, [
    { line: 1, fields: ['a', 'b'] },
    { line: 4, fields: ['fine\nacross', '3'] },
  ]);
  assert.equal(r.problems, [
    'line 2: a quote inside an unquoted field (quote the whole field and write the quote as "")',
    'line 3: text after the closing quote of a field',
    'line 6: a quoted field is not closed (a quote inside a quoted field is written "")',
  ]);
});

test('slugs: lowercase ASCII, accents dropped, other runs one "-", none at the ends', () => {
  assert.is(slugOf('  Ana López  '), 'ana-lopez');
  assert.is(slugOf("O'Brien, Bob"), 'o-brien-bob');
  assert.is(slugOf('Zoë__Ørsted--3'), 'zoe-rsted-3');
  assert.is(slugOf('李雷'), '');
});

test('a good roster: derived and given slugs, UUIDs without braces, target answers, role names', () => {
  const text = `attendee,repo,repo_uuid,siteBucket\nAna López,,{${UUID_A.toUpperCase()}},ana-site\n"Multi\nline, Name",custom.repo,${UUID_B},\nCy,,,\n`;
  const r = parseRoster(text, OPTIONS);
  assert.equal(r.problems, []);
  assert.equal(r.attendees, [
    {
      line: 2,
      attendee: 'Ana López',
      repo: 'ana-lopez',
      repoUuid: UUID_A,
      roleName: 'ws-ana-lopez',
      targetAnswers: { siteBucket: 'ana-site' },
    },
    {
      line: 3,
      attendee: 'Multi\nline, Name',
      repo: 'custom.repo',
      repoUuid: UUID_B,
      roleName: 'ws-multi-line-name',
      targetAnswers: {},
    },
    { line: 5, attendee: 'Cy', repo: 'cy', repoUuid: '', roleName: 'ws-cy', targetAnswers: {} },
  ]);
});

test('a role name falls back to the repository when the attendee has no ASCII letters', () => {
  assert.equal(parseRoster('attendee,repo\n李雷,li-lei\n', OPTIONS).attendees[0]!.roleName, 'ws-li-lei');
});

test('header: unknown, repeated and missing columns are errors on line 1, and no row is read', () => {
  assert.equal(problems('attendee,colour\nAna,red\n'), [
    'line 1: unknown column "colour" (known: attendee, repo, repo_uuid, siteBucket, siteDir, distributionId, siteKmsKey)',
  ]);
  assert.equal(problems('attendee,repo,repo\nAna,a,b\n'), ['line 1: column "repo" appears twice']);
  assert.equal(problems('repo\nana\n'), ['line 1: no attendee column (the header must name one)']);
  assert.equal(problems('attendee,functionName\nAna,f\n'), [
    'line 1: unknown column "functionName" (known: attendee, repo, repo_uuid, siteBucket, siteDir, distributionId, siteKmsKey)',
  ]);
});

test('an empty roster, or one with only its header, is an error', () => {
  assert.equal(problems(''), [
    'line 1: the roster needs a header line naming its columns (attendee, and optionally repo, repo_uuid, …)',
  ]);
  assert.equal(problems('attendee,repo\r\n\r\n'), ['no attendees: the roster has only its header line']);
});

test('every bad row is reported with its line, in line order, line numbers following physical lines', () => {
  const long = 'x'.repeat(63);
  const text = [
    'attendee,repo,repo_uuid,siteBucket',
    ',,,', // 2
    'Ana,Bad Repo,,', // 3
    'Bo,,nope,', // 4
    '"Cy\nwith a break",dup,,', // 5-6
    'Di,dup,,', // 7
    '李雷,,,', // 8
    `Eve,${long},,`, // 9
    'Fay,,,NOT_A_BUCKET', // 10
    'Ana López,,,', // 11
    'ana-lopez,other,,', // 12
    'facilitator,,,', // 13
    'Gus,facilitator,,', // 14
    'Hal,h', // 15
    'Ivy,ivy,,', // 16: fine
    'Jo"e,,,', // 17
  ].join('\n');
  assert.equal(problems(text), [
    'line 2: missing attendee (the attendee column is empty)',
    `line 3: repo ${SLUG_RULE} (got "Bad Repo")`,
    `line 4: repo_uuid ${UUID_RULE} (got "nope")`,
    'line 7: repo "dup" is already used on line 5',
    `line 8: the repository slug derived from attendee "李雷" ("") ${SLUG_RULE}; give one in the repo column`,
    `line 9: repo ${SLUG_RULE} (got "${'x'.repeat(56)}…")`,
    'line 10: siteBucket must match ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ (S3 bucket that holds the site; e.g. www.example.com) (got "NOT_A_BUCKET")',
    'line 12: role name "ws-ana-lopez" is already used on line 11 (IAM role names ignore case)',
    'line 13: the repository slug derived from attendee "facilitator" is the name of the facilitator\'s folder; give another in the repo column',
    'line 14: repo "facilitator" is the name of the facilitator\'s folder; choose another',
    'line 15: 2 fields, but the header has 4',
    'line 17: a quote inside an unquoted field (quote the whole field and write the quote as "")',
  ]);
});

test('role names: at most 64 characters with the longest environment suffix, unique across environments too', () => {
  const prefix = 'p'.repeat(49); // 49 + "-ana" = 53; + "-production" = 64; + "-productions" = 65
  assert.equal(
    problems('attendee\nana\n', { ...OPTIONS, rolePrefix: prefix, environments: ['test', 'production'] }),
    [],
  );
  assert.equal(problems('attendee\nana\n', { ...OPTIONS, rolePrefix: prefix, environments: ['test', 'productions'] }), [
    `line 2: role name "${prefix}-ana-productions" is 65 characters, more than IAM's 64; choose a shorter --role-name prefix`,
  ]);
  assert.equal(problems('attendee\nana\nana test\n', { ...OPTIONS, environments: ['test-prod', 'prod'] }), [
    'line 3: role name "ws-ana-test-prod" is already used on line 2 (IAM role names ignore case)',
  ]);
});

const SOURCES = WORKSHOP_SOURCES;
const plan = (text: string, flags: Record<string, string> = {}, exercises: ReturnType<typeof parseExerciseList> = []) =>
  planWorkshop({
    sources: { ...SOURCES, flags: { ...SOURCES.flags, ...flags } },
    gallery: BUILT_IN_TARGETS,
    roster: { label: 'r.csv', text },
    exercises,
  });
const usage = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error('no UsageError');
};

test('plan: a missing target answer is a row problem; a flag answers it for every row', () => {
  const text = 'attendee,siteBucket\nAna,ana-site\nBo,\n';
  assert.is(
    usage(() => plan(text, { target: 's3-static-site' })),
    '--roster r.csv: line 3: no value for siteBucket (--site-bucket): fill the column, or give the flag or put it in --answers for everyone',
  );
  const entries = plan(text, { target: 's3-static-site', siteBucket: 'shared-site' }).entries;
  assert.equal(
    entries.map((e) => e.answers.targetAnswers['siteBucket']),
    ['ana-site', 'shared-site'],
  );
  assert.equal(
    entries.map((e) => [e.answers.name, e.answers.roleName, e.answers.repoUuid]),
    [
      ['ana', 'bitbucket-workshop-ana', ''],
      ['bo', 'bitbucket-workshop-bo', ''],
    ],
  );
});

test('plan: several problems make one message listing each line; a bad flag is reported once, without a line', () => {
  assert.is(
    usage(() => plan('attendee,repo_uuid\n,\nBo,x\n')),
    `--roster r.csv: 2 problems, nothing was written:\n  line 2: missing attendee (the attendee column is empty)\n  line 3: repo_uuid ${UUID_RULE} (got "x")`,
  );
  assert.is(
    usage(() => plan('attendee\nAna\nBo\n', { account: '12' })),
    '--account: must be a 12-digit AWS account ID (got "12")',
  );
  assert.is(
    usage(() => plan('attendee\nAna\n', { roleName: 'bad prefix' })),
    '--role-name: must be an IAM role name: 1-64 letters, digits or + = , . @ _ - (got "bad prefix")',
  );
  assert.match(
    usage(() => plan('attendee\nAna\n', { environments: `test=${UUID_A}` })),
    /^--environment: a deployment environment has another UUID in every repository/,
  );
});

test('plan: --role-name is the prefix; exercises go round-robin in roster order, "none" for a plain repository', () => {
  const list = parseExerciseList('none,sub-exact', EXERCISES);
  const entries = plan('attendee\nA\nB\nC\n', { roleName: 'Lab' }, list).entries;
  assert.equal(
    entries.map((e) => [e.attendee.roleName, e.exercise?.id ?? null]),
    [
      ['Lab-a', null],
      ['Lab-b', 'sub-exact'],
      ['Lab-c', null],
    ],
  );
  assert.is(
    usage(() => parseExerciseList('sub-exact,xyzzy', EXERCISES)),
    `--exercise: unknown exercise "xyzzy" (known: ${[...EXERCISES.map((e) => e.id), 'none'].join(', ')})`,
  );
  // a typo is answered with the exercise it is close to, instead of the whole list
  assert.is(
    usage(() => parseExerciseList('sub-exakt', EXERCISES)),
    '--exercise: unknown exercise "sub-exakt" (did you mean sub-exact?)',
  );
});

test('CLI: a bad roster exits 2 with every problem and writes nothing', () => {
  const tmp = tempDir();
  try {
    writeFileSync(join(tmp.path, 'roster.csv'), 'attendee,repo\nAna,ana\nBo,ana\n"Cy\nX",Bad\n');
    const r = runCli(['workshop', '--roster', 'roster.csv', '--out', 'out', ...WORKSHOP_FLAGS], { cwd: tmp.path });
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stdout, '');
    assert.is(
      r.stderr,
      `pipelines-oidc: --roster roster.csv: 2 problems, nothing was written:\n  line 3: repo "ana" is already used on line 2\n  line 4: repo ${SLUG_RULE} (got \"Bad\")\n`,
    );
    assert.not.ok(existsSync(join(tmp.path, 'out')), 'nothing written');
  } finally {
    tmp.cleanup();
  }
});

const workshopArgs = (out = 'out') => ['workshop', '--roster', 'roster.csv', '--out', out, ...WORKSHOP_FLAGS];

test('CLI: a roster saved as UTF-16 with its byte-order mark is read; Latin-1 is one line naming --roster and the byte', () => {
  const tmp = tempDir();
  try {
    const text = 'attendee\r\nAna López\r\n';
    writeFileSync(
      join(tmp.path, 'roster.csv'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    );
    const utf16 = runCli(workshopArgs(), { cwd: tmp.path });
    assert.is(utf16.status, 0, utf16.stderr);
    assert.ok(existsSync(join(tmp.path, 'out', 'ana-lopez')), "the attendee's repository is written");

    writeFileSync(join(tmp.path, 'roster.csv'), Buffer.from('attendee\nBo\nAna López\n', 'latin1'));
    const latin1 = runCli(workshopArgs('out2'), {
      cwd: tmp.path,
    });
    assert.is(latin1.status, 2, latin1.stderr);
    assert.is(
      latin1.stderr,
      'pipelines-oidc: --roster roster.csv: not UTF-8 text (byte 0xf3 on line 3); save it as UTF-8 (a spreadsheet\'s "CSV UTF-8")\n',
    );
    assert.not.ok(existsSync(join(tmp.path, 'out2')), 'nothing written');
  } finally {
    tmp.cleanup();
  }
});

test.run();
