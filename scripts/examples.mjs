// `npm run examples`: regenerates every examples/<name>/ from examples/<name>.answers.json with the built
// CLI, exactly as a user would run it. `--out <folder>` writes them there instead: the golden test
// compares such a fresh copy with the committed one.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const examples = join(root, 'examples');
const out = values.out === undefined ? examples : resolve(values.out);
const SUFFIX = '.answers.json';

for (const file of readdirSync(examples)
  .filter((f) => f.endsWith(SUFFIX))
  .sort()) {
  const name = file.slice(0, -SUFFIX.length);
  const dir = join(out, name);
  // deleted first: a file the generator no longer writes must not linger in the example
  rmSync(dir, { recursive: true, force: true });
  const args = [
    'new',
    name,
    '--answers',
    relative(root, join(examples, file)),
    '--dir',
    relative(root, dir),
    '--force',
    '--yes',
    '--no-git',
  ];
  const run = spawnSync(process.execPath, [join(root, 'dist/cli.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (run.status !== 0) {
    console.error(`examples: pipelines-oidc ${args.join(' ')} failed (exit ${run.status})`);
    process.exit(run.status || 1);
  }
  console.log(`examples: wrote ${relative(process.cwd(), dir) || '.'}`);
}
