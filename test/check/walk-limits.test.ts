/**
 * Every limit of check's walk and reads, past which a file goes unread: each hides an AdministratorAccess
 * attachment just past it, which must come out as `file.unread` (an error saying what was not seen),
 * never as silence. Within the limits the same attachment is `policy.broad`. The tests pass smaller limits
 * to readCheckInput than WALK_LIMIT's, so no test builds a hundred thousand files; the CLI runs with its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks } from '../../src/core/check/run-checks.ts';
import { MAX_NESTING } from '../../src/core/util/nesting.ts';
import { READ_LIMIT } from '../../src/io/bounded-read.ts';
import { readCheckInput, WALK_LIMIT, type WalkLimits } from '../../src/io/check-input.ts';
import { runCli, tempDir } from '../support/fixtures.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const ADMIN =
  'resource "aws_iam_role_policy_attachment" "admin" {\n  role       = "deploy"\n  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n';

interface Row {
  limit: string;
  /** The limits the walk gets: WALK_LIMIT with this one made small. */
  limits: Partial<WalkLimits>;
  /** Files to write (path → content); the attachment lies past the limit. */
  files: Record<string, string>;
  /** The entry the finding is about, and what its message says. */
  unread: string;
  says: string;
}

const deep = (levels: number) => Array.from({ length: levels }, (_, i) => `d${i + 1}`).join('/');
const filler = (n: number, ext = 'txt') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${String(i).padStart(2, '0')}.${ext}`, '# filler\n']));

const ROWS: Row[] = [
  {
    limit: 'folder depth',
    limits: { depth: 2 },
    files: { [`${deep(3)}/main.tf`]: ADMIN },
    unread: deep(3),
    says: 'a folder 3 levels down, below the 2 check walks',
  },
  {
    limit: 'entries of one folder',
    limits: { entriesPerFolder: 3 },
    files: {
      ...Object.fromEntries(Object.entries(filler(3)).map(([k, v]) => [`full/${k}`, v])),
      'full/main.tf': ADMIN,
    },
    unread: 'full',
    says: 'a folder of more than 3 entries, not walked',
  },
  {
    limit: 'entries in all',
    limits: { entries: 5 },
    files: { ...filler(5), 'z/main.tf': ADMIN },
    unread: 'z',
    says: 'the walk stopped after 5 entries',
  },
  {
    limit: 'files read in all',
    limits: { files: 2 },
    files: { ...filler(2, 'tf'), 'main.tf': ADMIN },
    unread: 'main.tf',
    says: 'check reads 2 files at most: this file and those after it are not read',
  },
  {
    limit: 'bytes read in all',
    limits: { bytes: 100 },
    files: { 'a.tf': `# ${'x'.repeat(20)}\n`, 'main.tf': ADMIN },
    unread: 'main.tf',
    says: 'check reads 100 bytes at most',
  },
  {
    limit: 'size of a file',
    limits: {},
    files: { 'main.tf': `${'#'.repeat(READ_LIMIT.repositoryFile)}\n${ADMIN}` },
    unread: 'main.tf',
    says: 'larger than 1,000,000 bytes',
  },
  {
    limit: 'nesting of a file',
    limits: {},
    files: { 'main.tf': `locals {\n  x = ${'['.repeat(MAX_NESTING + 1)}${']'.repeat(MAX_NESTING + 1)}\n}\n${ADMIN}` },
    unread: 'main.tf',
    says: `nested more than ${MAX_NESTING} levels deep`,
  },
];

function withTree(files: Record<string, string>, body: (dir: string) => void): void {
  const tmp = tempDir('pipelines-oidc-walk-');
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(tmp.path, path)), { recursive: true });
      writeFileSync(join(tmp.path, path), text);
    }
    body(tmp.path);
  } finally {
    tmp.cleanup();
  }
}

for (const row of ROWS) {
  test(`past the ${row.limit}: file.unread says what was not seen, never silence`, () => {
    withTree(row.files, (dir) => {
      const report = runChecks(readCheckInput(dir, { ...WALK_LIMIT, ...row.limits }), { now: NOW });
      const unread = report.findings.filter((f) => f.id === 'file.unread');
      assert.equal(
        unread.map((f) => [f.file, f.severity]),
        [[row.unread, 'error']],
      );
      assert.ok(unread[0]!.message.includes(row.says), unread[0]!.message);
      assert.match(unread[0]!.message, /^not checked: /);
      assert.not.ok(report.ok);
      // the attachment is what went unseen: with room enough, check finds it
      if (Object.keys(row.limits).length) {
        const seen = runChecks(readCheckInput(dir), { now: NOW });
        assert.ok(
          seen.findings.some((f) => f.id === 'policy.broad' && f.file.endsWith('main.tf')),
          JSON.stringify(seen.findings),
        );
      }
    });
  });
}

test(`pipelines-oidc check: AdministratorAccess ${WALK_LIMIT.depth + 1} folders down is file.unread, exit 1`, () => {
  withTree({ [`${deep(WALK_LIMIT.depth + 1)}/main.tf`]: ADMIN }, (dir) => {
    const r = runCli(['check', dir, '--json'], { env: { PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/' } });
    assert.is(r.status, 1, r.stdout);
    const { findings } = JSON.parse(r.stdout) as { findings: Array<{ id: string; file: string }> };
    assert.equal(
      findings.map((f) => [f.id, f.file]),
      [['file.unread', deep(WALK_LIMIT.depth + 1)]],
    );
  });
});

test.run();
