// Runs the uvu suites under tsx, each file in a process of its own, as many at once as there are cores,
// and ends with the one summary line CI reads: "N passed, N failed" (", N skipped" when any).
//   node scripts/test.mjs [pattern] [--area name[,name]] [--built] [--jobs N] [--dir folder]
// pattern: a regex on a suite's path under test/ or on its file name (case-insensitive, as uvu reads it);
// --area: the suites of these area folders (test/check/, test/rehearse/, …); --built: dist/ was just built
// (npm test builds first), otherwise this builds it, since many suites run the built CLI; --jobs (or
// TEST_JOBS): how many suites at once; --dir: where the suites are (test/).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const options = parseArgs(process.argv.slice(2));

if (!options.built) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stdout.write('\nthe build failed: no suite ran\n\n0 passed, 1 failed\n');
    process.exit(1);
  }
}

// NO_COLOR alone (uvu's --no-color leaves FORCE_COLOR unset too): with both set, Node warns on stderr
// in every child process
const withoutForceColor = ({ FORCE_COLOR, ...env }) => env;
// a developer's Bitbucket credentials would send `new` to the real API: the suites give their own
const withoutBitbucket = (env) => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('BITBUCKET_')));
const baseEnv = { ...withoutBitbucket(withoutForceColor(process.env)), NO_COLOR: '1' };
// the suites cache (schema, compiled validator) in a folder of their own: never the user's, and one per
// suite, so suites running at the same time never see each other's cache
const caches = mkdtempSync(join(tmpdir(), 'pipelines-oidc-test-cache-'));
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) child.kill(signal);
    rmSync(caches, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const suites = findSuites(options.dir).filter(
  (name) =>
    (options.pattern.test(name) || options.pattern.test(basename(name))) &&
    (!options.areas || options.areas.includes(name.split(sep)[0])),
);
if (!suites.length) {
  const areas = [
    ...new Set(
      findSuites(options.dir)
        .map((n) => n.split(sep)[0])
        .filter((a) => !a.endsWith('.ts')),
    ),
  ];
  process.stdout.write(
    `no suite matches ${options.pattern}${options.areas ? ` in ${options.areas.join(', ')}` : ''} (areas: ${areas.sort().join(', ')})\n`,
  );
}
// longest first (as last measured, else the biggest file): a long suite started last would run alone at the end
const timesFile = join(root, 'node_modules/.cache/pipelines-oidc/test-times.json');
const lastTimes = readJson(timesFile) ?? {};
const key = (name) => relative(root, join(options.dir, name));
const expected = (name) => lastTimes[key(name)] ?? statSync(join(options.dir, name)).size / 1000;
const queue = [...suites].sort((a, b) => expected(b) - expected(a));
const jobs = Math.max(1, Math.min(options.jobs, queue.length));
process.stdout.write(`${suites.length} suites, ${jobs} at a time\n\n`);

const started = Date.now();
const results = [];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const result = await runSuite(name);
      results.push(result);
      process.stdout.write(report(result));
    }
  }),
);
rmSync(caches, { recursive: true, force: true });
if (options.dir === join(root, 'test')) saveTimes();

const sum = (key) => results.reduce((total, r) => total + r[key], 0);
const failedSuites = results.filter((r) => !r.ok).sort((a, b) => a.name.localeCompare(b.name));
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 10);
if (results.length)
  process.stdout.write(`\nslowest suites:\n${slowest.map((r) => `  ${seconds(r.seconds)}  ${r.name}\n`).join('')}`);
if (failedSuites.length) process.stdout.write(`\nfailed: ${failedSuites.map((r) => r.name).join(', ')}\n`);
process.stdout.write(`\n${suites.length} suites in ${seconds((Date.now() - started) / 1000)}\n`);
const skipped = sum('skipped');
process.stdout.write(`\n${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = failedSuites.length || !suites.length ? 1 : 0;

function parseArgs(args) {
  const parsed = { built: false, jobs: Number(process.env.TEST_JOBS) || availableParallelism(), dir: 'test' };
  let pattern = '\\.test\\.ts$';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--built') parsed.built = true;
    else if (arg === '--jobs' || arg === '-j') parsed.jobs = Number(args[++i]);
    else if (arg === '--dir') parsed.dir = args[++i];
    else if (arg === '--area') parsed.areas = (args[++i] ?? '').split(',').filter(Boolean);
    else pattern = arg;
  }
  if (!Number.isInteger(parsed.jobs) || parsed.jobs < 1) {
    process.stderr.write('test: --jobs (or TEST_JOBS) must be a whole number of at least 1\n');
    process.exit(2);
  }
  return { ...parsed, dir: join(root, parsed.dir), pattern: new RegExp(pattern, 'i') };
}

/** The suite files under `dir` (fixtures and support excluded), as paths relative to it. */
function findSuites(dir, at = dir) {
  return readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
    const path = join(at, entry.name);
    if (entry.isDirectory()) return ['fixtures', 'support'].includes(entry.name) ? [] : findSuites(dir, path);
    return entry.name.endsWith('.test.ts') ? [relative(dir, path)] : [];
  });
}

/** One suite in its own process; its output (stdout and stderr, in order) kept to print whole. */
function runSuite(name) {
  const cache = join(caches, name.replace(/[^\w.-]/g, '_'));
  mkdirSync(cache);
  const start = Date.now();
  const exact = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'node_modules/uvu/bin.js', '--no-color', options.dir, exact],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...baseEnv, XDG_CACHE_HOME: cache },
    },
  );
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ name, seconds: (Date.now() - start) / 1000, ...outcome(output, code, signal) });
    });
  });
}

/** The suite's counts from uvu's summary; a suite that crashed or printed none counts as one failure. */
function outcome(output, code, signal) {
  // uvu ends with e.g. "  Total:     42\n  Passed:    42\n  Skipped:   0\n  Duration:  1.23s"
  const summary = [
    ...output.matchAll(/\n *Total: +(\d+) *\n *Passed: +(\d+) *\n *Skipped: +(\d+) *\n *Duration:.*\n/g),
  ].at(-1);
  const ok = code === 0 && summary !== undefined;
  if (!summary) {
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    return { ok, passed: 0, failed: 1, skipped: 0, text: `${output}\n(no uvu summary: ${how})\n` };
  }
  const [total, passed, skipped] = summary.slice(1).map(Number);
  // uvu's Total leaves skipped tests out
  return {
    ok,
    passed,
    failed: ok ? total - passed : Math.max(1, total - passed),
    skipped,
    text: output.slice(0, summary.index) + output.slice(summary.index + summary[0].length),
  };
}

function report(r) {
  const counts = `${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`;
  const body = r.text.trim() ? `${r.text.replace(/^\n+|\s+$/g, '')}\n` : '';
  return `── ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}  ${seconds(r.seconds)}  ${counts}\n${body}\n`;
}

function seconds(s) {
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Keeps each suite's time for the next run's order; a run of a few suites keeps the others' times. */
function saveTimes() {
  const times = {
    ...lastTimes,
    ...Object.fromEntries(results.map((r) => [key(r.name), Math.round(r.seconds * 10) / 10])),
  };
  try {
    mkdirSync(join(timesFile, '..'), { recursive: true });
    writeFileSync(timesFile, `${JSON.stringify(times, null, 2)}\n`);
  } catch {
    // only an order for the next run: a read-only checkout runs the same suites
  }
}
