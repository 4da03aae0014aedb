// Runs the uvu suites under tsx and ends with the one summary line CI reads: "N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// NO_COLOR alone: with FORCE_COLOR also set, Node warns on stderr in every child process
const withoutForceColor = ({ FORCE_COLOR, ...env }) => env;
// a developer's Bitbucket credentials would send `new` to the real API: the suites give their own
const withoutBitbucket = (env) => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('BITBUCKET_')));
const pattern = process.argv[2] ?? '\\.test\\.ts$';
// the suites cache (schema, compiled validator) in a folder of their own: never the user's, the same everywhere
const cache = mkdtempSync(join(tmpdir(), 'pipelines-oidc-test-cache-'));
const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...withoutBitbucket(withoutForceColor(process.env)), NO_COLOR: '1', XDG_CACHE_HOME: cache },
});
let output = '';
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  rmSync(cache, { recursive: true, force: true });
  const count = (label) =>
    Number(/* uvu prints e.g. "  Total:     42" */ new RegExp(`${label}:\\s+(\\d+)`).exec(output)?.[1] ?? 0);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  // uvu's Total leaves skipped tests out
  const failed = code === 0 ? total - passed : Math.max(1, total - passed);
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exitCode = code ?? 1;
});
