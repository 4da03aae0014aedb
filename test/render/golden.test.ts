/** The committed examples are what the CLI writes today: regenerated afresh and compared file by file. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTree } from '../support/cli-helpers.ts';
import { ROOT, tempDir } from '../support/fixtures.ts';

const EXAMPLES = join(ROOT, 'examples');
const NAMES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.answers.json'))
  .map((f) => f.slice(0, -'.answers.json'.length));

/** What differs between the committed tree and the fresh one, as lines for the failure message. */
function differences(committed: Map<string, string>, fresh: Map<string, string>): string[] {
  const out: string[] = [];
  for (const path of fresh.keys()) if (!committed.has(path)) out.push(`missing from the example: ${path}`);
  for (const [path, content] of committed) {
    if (!fresh.has(path)) out.push(`no longer generated: ${path}`);
    else if (fresh.get(path) !== content) out.push(`changed: ${path}`);
  }
  return out;
}

test('there is at least one example, the phub-oidc-check one', () => {
  assert.ok(NAMES.includes('phub-oidc-check'), NAMES.join(', '));
});

test('every committed example equals a fresh `npm run examples` output', () => {
  const tmp = tempDir();
  try {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/examples.mjs'), '--out', tmp.path], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.is(run.status, 0, run.stderr);
    for (const name of NAMES) {
      const fresh = readTree(join(tmp.path, name));
      assert.ok(fresh.size > 0, `${name}: the script wrote nothing`);
      const committedDir = join(EXAMPLES, name);
      const committed = existsSync(committedDir) ? readTree(committedDir) : new Map<string, string>();
      const diff = differences(committed, fresh);
      assert.ok(
        diff.length === 0,
        `examples/${name} is out of date; run \`npm run examples\` and review the change:\n  ${diff.join('\n  ')}`,
      );
    }
  } finally {
    tmp.cleanup();
  }
});

test.run();
