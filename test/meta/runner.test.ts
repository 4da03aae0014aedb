/**
 * The test runner itself (scripts/test.mjs) on small suites of its own (test/fixtures/runner): one
 * process per suite, each suite's output whole with its time, the slowest listed, and one summary line
 * that adds up every suite and counts a crashed or silent suite as failed.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../support/fixtures.ts';

const SUITES = ['crashes', 'fails', 'passes', 'silent', 'skips'].map((s) => `${s}.test.ts`);

function runner(args: string[], env: Record<string, string> = {}, dir = 'test/fixtures/runner') {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/test.mjs'), '--built', '--dir', dir, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TEST_JOBS: '2', ...env },
  });
  return { status: r.status, out: r.stdout, lines: r.stdout.trimEnd().split('\n') };
}

const all = runner([]);
/** A suite's block: from its header to the next header or the list of slowest suites. */
const block = (name: string) => {
  const start = all.lines.findIndex((l) => l.startsWith('── ') && l.includes(` ${name} `));
  const end = all.lines.findIndex((l, i) => i > start && (l.startsWith('── ') || l === 'slowest suites:'));
  return all.lines.slice(start, end);
};

test('the last line adds up every suite; a crash or a missing summary counts as a failure', () => {
  assert.is(all.lines.at(-1), '4 passed, 3 failed, 1 skipped', all.out);
  assert.is(all.status, 1);
  assert.ok(all.lines.includes('failed: crashes.test.ts, fails.test.ts, silent.test.ts'), all.out);
});

test("each suite's output is printed whole under a header with its time", () => {
  for (const name of SUITES) {
    const [header, ...body] = block(name);
    assert.match(header!, new RegExp(`^── (ok  |FAIL) ${name.replace('.', '\\.')}  \\d+\\.\\ds  \\d+ passed`), all.out);
    assert.not.ok(
      body.some((l) => SUITES.some((other) => other !== name && l.includes(other))),
      all.out,
    );
  }
  assert.ok(
    block('fails.test.ts').some((l) => l.includes('one is not two')),
    all.out,
  );
  assert.ok(
    block('crashes.test.ts').some((l) => l.includes('the suite broke while loading')),
    all.out,
  );
  assert.ok(block('silent.test.ts').includes('(no uvu summary: exit code 0)'), all.out);
});

test('the slowest suites are listed with their times', () => {
  const at = all.lines.indexOf('slowest suites:');
  const listed = all.lines.slice(at + 1, at + 1 + SUITES.length);
  assert.equal(listed.map((l) => l.replace(/^ +\d+\.\ds +/, '')).sort(), SUITES, all.out);
});

test('suites running at the same time each get a cache folder of their own', () => {
  const caches = [...all.out.matchAll(/cache: (\S+)/g)].map((m) => m[1]);
  assert.is(caches.length, 2, all.out);
  assert.is.not(caches[0], caches[1]);
});

test('a pattern selects suites by file name, and TEST_JOBS bounds how many run at once', () => {
  const r = runner(['pass|skip'], { TEST_JOBS: '1' });
  assert.is(r.lines[0], '2 suites, 1 at a time', r.out);
  assert.is(r.lines.at(-1), '3 passed, 0 failed, 1 skipped', r.out);
  assert.is(r.status, 0);
});

test('suites live in area folders: --area picks folders, a pattern matches the path or the file name', () => {
  const areas = (args: string[]) => runner(args, {}, 'test/fixtures/runner-areas');
  const alpha = areas(['--area', 'alpha']);
  assert.is(alpha.lines[0], '1 suites, 1 at a time', alpha.out);
  assert.ok(alpha.out.includes('── ok   alpha/one.test.ts'), alpha.out);
  assert.is(areas(['--area', 'alpha,beta']).lines[0], '2 suites, 2 at a time');
  assert.is(areas(['^beta/']).lines[0], '1 suites, 1 at a time', 'a regex on the path');
  assert.is(areas(['^one\\.test\\.ts$']).lines[0], '2 suites, 2 at a time', 'a regex on the file name');
  const none = areas(['--area', 'gamma']);
  assert.is(none.status, 1);
  assert.ok(none.out.includes('no suite matches') && none.out.includes('(areas: alpha, beta)'), none.out);
});

test.run();
