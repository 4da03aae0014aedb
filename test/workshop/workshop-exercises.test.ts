/**
 * Workshop exercises: each exercise repository, written to disk and read as `check` reads it, fails with
 * exactly its finding; EXERCISE.md has the task, hints from vague to specific and the checkpoint; no
 * file holds the solution; and the fix the last hint describes, applied here by hand, makes check pass.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml, stringify as yamlText } from 'yaml';
import type { Answers } from '../../src/core/answers/questions.ts';
import { runChecks, type CheckReport } from '../../src/core/check/run-checks.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { EXERCISES, findExercise, listExercises } from '../../src/core/workshop/exercises.ts';
import type { Exercise } from '../../src/core/workshop/types.ts';
import { readCheckInput } from '../../src/io/check-input.ts';
import { answers, EXAMPLE, exerciseRepo, renderRepo, runCli, tempDir } from '../support/fixtures.ts';
import { checkSchema } from '../support/schema-reference.ts';

const schemaValidator = checkSchema('exercises are checked');

const ISSUER = 'api.bitbucket.org/2.0/workspaces/phub/pipelines-config/identity/oidc';
const REPO = EXAMPLE.repoUuid;
const ENV_UUIDS: Record<string, string> = {
  staging: '1a2b3c4d-0002-4b00-9000-00000000000b',
  production: '1a2b3c4d-0003-4c00-a000-00000000000c',
};
const ENVIRONMENTS = Object.entries(ENV_UUIDS)
  .map(([name, uuid]) => `${name}=${uuid}`)
  .join(',');
const examples = Object.fromEntries(BUILT_IN_TARGETS.flatMap((t) => t.questions.map((q) => [q.name, q.example])));

const VARIANTS: Array<{ label: string; answers: Answers }> = [
  { label: 'the example', answers: answers() },
  { label: 'staging and production environments', answers: answers({ environments: ENVIRONMENTS }) },
  // a workshop roster may not know the repository UUIDs yet
  {
    label: 'every target, --auth assume-role, no repository UUID',
    answers: answers({
      target: BUILT_IN_TARGETS.map((t) => t.id).join(','),
      targetAnswers: examples,
      auth: 'assume-role',
      repoUuid: '',
    }),
  },
];

interface Built {
  dir: string;
  /** The normally rendered repository the exercise was made from. */
  original: Map<string, string>;
  files: Map<string, string>;
  roles: Array<{ environment?: string; trustFile: string; permissionsFile: string }>;
}

function build(exercise: Exercise, a: Answers, dir: string): Built {
  const { model, files } = renderRepo(a);
  const out = exerciseRepo(exercise, model, files);
  for (const f of out) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
  return { dir, original: files, files: new Map(out.map((f) => [f.path, f.content])), roles: model.roles };
}

const check = (dir: string): CheckReport => runChecks(readCheckInput(dir), { schemaValidator, now: new Date() });
const errorIds = (r: CheckReport) => [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.id))];
const show = (r: CheckReport) =>
  r.findings.map((f) => `${f.severity} ${f.id} ${f.file}:${f.line ?? ''} ${f.message}`).join('\n');

/** The hints of EXERCISE.md in order, each the text inside its <details> block. */
function hintsOf(markdown: string): string[] {
  const found = [...markdown.matchAll(/<details>\n<summary>Hint (\d+)<\/summary>\n\n([\s\S]*?)\n\n<\/details>/g)];
  assert.equal(
    found.map((m) => Number(m[1])),
    found.map((_, i) => i + 1),
    'hints are numbered 1, 2, 3, … in order',
  );
  return found.map((m) => m[2]!);
}

// --- editing the files as an attendee would: parse, change, write back -------------------------------

type Json = Record<string, any>;
const readJson = (dir: string, file: string): Json => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
const writeJson = (dir: string, file: string, value: unknown) =>
  writeFileSync(join(dir, file), `${JSON.stringify(value, null, 2)}\n`);

function editTrust(b: Built, edit: (condition: Json, role: Built['roles'][number]) => void): void {
  for (const role of b.roles) {
    const policy = readJson(b.dir, role.trustFile);
    for (const s of policy['Statement']) edit(s.Condition, role);
    writeJson(b.dir, role.trustFile, policy);
  }
}

function editSteps(b: Built, edit: (step: Json) => void): void {
  const doc = parseYaml(readFileSync(join(b.dir, 'bitbucket-pipelines.yml'), 'utf8')) as Json;
  for (const group of Object.values(doc['pipelines'] as Json)) {
    for (const items of Object.values(group as Json)) {
      for (const item of items as Json[]) {
        if (item['step']) edit(item['step']);
        else for (const s of item['stage'].steps) edit(s.step);
      }
    }
  }
  writeFileSync(join(b.dir, 'bitbucket-pipelines.yml'), yamlText(doc));
}

/** The sub pattern an attendee writes, knowing the repository's (and environment's) UUID. */
const subPattern = (environment?: string) => (environment ? `{${REPO}}:{${ENV_UUIDS[environment]}}:*` : `{${REPO}}:*`);

const TOKEN_FILE_LINES = [
  ': "${BITBUCKET_STEP_OIDC_TOKEN:?No OIDC token: this step needs oidc: true}"',
  ': "${AWS_OIDC_ROLE_ARN:?Set the variable AWS_OIDC_ROLE_ARN (see README.md)}"',
  ': "${AWS_DEFAULT_REGION:?Set the repository variable AWS_DEFAULT_REGION (see README.md)}"',
  'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
  `printf '%s' "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
  'export AWS_ROLE_ARN="$AWS_OIDC_ROLE_ARN" AWS_ROLE_SESSION_NAME="bitbucket-pipelines-$BITBUCKET_BUILD_NUMBER"',
];

interface Case {
  findingId: string;
  /** Words the last hint says and the first does not: the hints get more specific. */
  specific: RegExp[];
  /** Strings no file of the exercise repository may contain (the solution)… */
  leaks: (b: Built) => string[];
  /** …except the last hint, where the fix is spelled out (for the trust exercises not even there). */
  lastHintShows?: true;
  /** The fix as the last hint describes it. */
  fix: (b: Built, lastHint: string) => void;
}

const originalTrust = (b: Built) => b.roles.map((r) => b.original.get(r.trustFile)!);

const CASES: Record<string, Case> = {
  'workspace-wide-trust': {
    findingId: 'trust.workspace-wide',
    specific: [/StringLike/, /\{<repository-uuid>\}/],
    leaks: (b) => [...originalTrust(b), ...b.roles.map((r) => subPattern(r.environment)), REPO],
    fix: (b, hint) => {
      assert.match(hint, `"${ISSUER}:sub"`);
      editTrust(b, (condition, role) => {
        condition['StringLike'] = { [`${ISSUER}:sub`]: subPattern(role.environment) };
      });
    },
  },
  'aud-braces': {
    findingId: 'trust.aud',
    specific: [/without\*\* braces|\*\*without\*\*/, /Remove/],
    leaks: (b) => [...originalTrust(b), `ari:cloud:bitbucket::workspace/${EXAMPLE.workspaceUuid}`],
    fix: (b) =>
      editTrust(b, (condition) => {
        const equals = condition['StringEquals'];
        equals[`${ISSUER}:aud`] = String(equals[`${ISSUER}:aud`]).replace(/[{}]/g, '');
      }),
  },
  'sub-exact': {
    findingId: 'trust.sub-exact',
    specific: [/StringLike/, /replace the step UUID/],
    leaks: (b) => [...originalTrust(b), ...b.roles.map((r) => subPattern(r.environment))],
    fix: (b) =>
      editTrust(b, (condition) => {
        const value = String(condition['StringEquals'][`${ISSUER}:sub`]);
        delete condition['StringEquals'][`${ISSUER}:sub`];
        condition['StringLike'] = { [`${ISSUER}:sub`]: value.replace(/\{[^{}]*\}$/, '*') };
      }),
  },
  'unsupported-claim': {
    findingId: 'trust.unsupported-key',
    specific: [/Remove/, /Deployments/],
    leaks: (b) => originalTrust(b),
    fix: (b, hint) => {
      assert.match(hint, `${ISSUER}:branchName`);
      editTrust(b, (condition) => {
        delete condition['StringEquals'][`${ISSUER}:branchName`];
      });
    },
  },
  'missing-oidc': {
    lastHintShows: true,
    findingId: 'pipeline.oidc-missing',
    specific: [/oidc: true/],
    leaks: () => ['oidc: true', 'oidc:true'],
    fix: (b) =>
      editSteps(b, (step) => {
        step['oidc'] = true;
      }),
  },
  'static-keys': {
    lastHintShows: true,
    findingId: 'pipeline.static-keys',
    specific: [/oidc: true/, /BITBUCKET_STEP_OIDC_TOKEN/],
    leaks: () => [
      'oidc: true',
      'BITBUCKET_STEP_OIDC_TOKEN',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'assume-role-with-web-identity',
    ],
    fix: (b, hint) => {
      // the lines to paste are the hint's YAML block
      const block = /```yaml\n([\s\S]*?)\n```/.exec(hint)?.[1];
      assert.ok(block, 'the last hint has a YAML block');
      const lines = parseYaml(block) as string[];
      if (b.original.get('bitbucket-pipelines.yml')!.includes('AWS_WEB_IDENTITY_TOKEN_FILE'))
        assert.equal(lines, TOKEN_FILE_LINES);
      editSteps(b, (step) => {
        step['oidc'] = true;
        step['script'] = (step['script'] as string[]).flatMap((line) =>
          /AWS_ACCESS_KEY_ID/.test(line) ? lines : /AWS_SECRET_ACCESS_KEY/.test(line) ? [] : [line],
        );
      });
    },
  },
  'broad-policy': {
    lastHintShows: true,
    findingId: 'policy.broad',
    specific: [/arn:aws:/],
    leaks: (b) => b.roles.map((r) => b.original.get(r.permissionsFile)!),
    fix: (b, hint) => {
      // one statement per line of the hint; the hint must name every action and resource of the policy the role needs
      for (const role of b.roles) {
        const needed = JSON.parse(b.original.get(role.permissionsFile)!) as { Statement: Json[] };
        const statements = needed.Statement.map(({ Sid: _sid, ...s }) => s);
        for (const s of statements)
          for (const v of [s['Action'], s['Resource']].flat())
            assert.ok(hint.includes(`\`${v}\``), `the last hint names ${v}`);
        writeJson(b.dir, role.permissionsFile, { Version: '2012-10-17', Statement: statements });
      }
    },
  },
};

test('the exercises: every required id, each with its finding, one line each in the list', () => {
  assert.equal(
    Object.fromEntries(EXERCISES.map((e) => [e.id, e.findingId])),
    Object.fromEntries(Object.entries(CASES).map(([id, c]) => [id, c.findingId])),
  );
  for (const e of EXERCISES) assert.is(findExercise(e.id), e);
  assert.is(findExercise('no-such-exercise'), undefined);
  const lines = listExercises().trimEnd().split('\n');
  assert.is(lines.length, EXERCISES.length);
  lines.forEach((line, i) => {
    const e = EXERCISES[i]!;
    assert.ok(line.startsWith(`${e.id} `), line);
    assert.ok(line.includes(e.summary), line);
  });
});

for (const exercise of EXERCISES) {
  const c = CASES[exercise.id]!;
  for (const variant of VARIANTS) {
    test(`${exercise.id} (${variant.label}): check fails with ${c.findingId} only; no solution in it; the last hint's fix passes`, () => {
      const tmp = tempDir();
      try {
        const b = build(exercise, variant.answers, tmp.path);
        const paths = [...b.files.keys()];
        assert.equal(paths, [
          'bitbucket-pipelines.yml',
          ...b.roles.flatMap((r) => [r.trustFile, r.permissionsFile]),
          'README.md',
          'EXERCISE.md',
          '.gitignore',
        ]);
        assert.is(b.files.get('.gitignore'), b.original.get('.gitignore'));

        const before = check(tmp.path);
        assert.is(before.ok, false);
        assert.equal(errorIds(before), [c.findingId], show(before));

        const doc = b.files.get('EXERCISE.md')!;
        assert.match(doc, /^# Exercise: /);
        assert.ok(doc.includes('pipelines-oidc check'), 'the checkpoint command');
        const hints = hintsOf(doc);
        assert.ok(hints.length >= 3, `${hints.length} hints`);
        for (const word of c.specific) {
          assert.match(hints.at(-1)!, word, `the last hint says ${word}`);
          assert.not.match(hints[0]!, word, `the first hint does not say ${word}`);
        }
        assert.not.match(b.files.get('README.md')!, /Statement|StringLike|oidc: true|Remaining steps/);
        assert.match(b.files.get('README.md')!, /EXERCISE\.md/);
        for (const [path, content] of b.files) {
          const shown =
            path === 'EXERCISE.md' && c.lastHintShows ? content.slice(0, content.lastIndexOf('<details>')) : content;
          for (const leak of c.leaks(b))
            assert.not.ok(shown.includes(leak), `${path} gives the solution away: ${leak}`);
        }

        c.fix(b, hints.at(-1)!);
        const after = check(tmp.path);
        assert.ok(after.ok, `after the fix:\n${show(after)}`);
        assert.not.ok(
          after.findings.some((f) => f.id === c.findingId),
          show(after),
        );
      } finally {
        tmp.cleanup();
      }
    });
  }
}

test('values reach EXERCISE.md and README.md Markdown-escaped', () => {
  const { model, files } = renderRepo(answers({ name: 'web_site*2', workspace: 'acme_corp' }));
  const out = exerciseRepo(findExercise('missing-oidc')!, model, files);
  const readme = out.find((f) => f.path === 'README.md')!.content;
  assert.ok(readme.startsWith('# web\\_site\\*2\n'), readme);
  const doc = out.find((f) => f.path === 'EXERCISE.md')!.content;
  assert.ok(doc.includes('`acme_corp/web_site*2`'), 'inside a code span, as written');
  assert.not.ok(doc.includes(' acme_corp/'), 'never bare');
});

test('the real CLI: check on an exercise repository exits 1 naming the finding, and 0 once fixed', () => {
  const tmp = tempDir();
  try {
    const repo = join(tmp.path, 'repo');
    const b = build(findExercise('workspace-wide-trust')!, answers(), repo);
    // no network: an unreachable schema URL and an empty cache
    const env = {
      PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable',
      XDG_CACHE_HOME: join(tmp.path, 'cache'),
    };
    const failing = runCli(['check', repo], { env });
    assert.is(failing.status, 1, failing.stdout + failing.stderr);
    assert.match(failing.stdout, /✖ error trust\.workspace-wide/);
    CASES['workspace-wide-trust']!.fix(b, hintsOf(b.files.get('EXERCISE.md')!).at(-1)!);
    const fixed = runCli(['check', repo], { env });
    assert.is(fixed.status, 0, fixed.stdout + fixed.stderr);
  } finally {
    tmp.cleanup();
  }
});

test.run();
