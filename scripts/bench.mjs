// `npm run bench`: whole-process cost of `pipelines-oidc new` against two floors: Node starting and
// exiting, and a plain-fs script writing the very same files. Reports medians; asserts nothing.
// `--runs <n>` sets the timed runs per command (default 15, at least 10), after 2 warm-ups each.
// Then `pipelines-oidc workshop` for 100 and for 1,000 attendees (no push), each run into a fresh folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Math.max(10, Number.parseInt(values.runs, 10) || 15);
const WARMUPS = 2;
const TARGET_RATIO = 2.5;
const WORKSHOP_RUNS = 5;
const WORKSHOP_100_TARGET_MS = 3000;
const WORKSHOP_SCALE_TARGET = 10;
const TIME = '/usr/bin/time';
// GNU time's %M (peak resident set, KiB) needs -o to keep the child's own stderr apart
const hasTime = existsSync(TIME) && spawnSync(TIME, ['-f', '%M', '-o', '/dev/null', 'true']).status === 0;

const cli = join(root, 'dist/cli.js');
if (!existsSync(cli)) {
  console.error('bench: dist/cli.js is missing; run npm run bench (it builds first)');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'pipelines-oidc-bench-'));
// check caches the schema it fetches: in the bench's own folder, not the user's (the bench passes --schema)
process.env.XDG_CACHE_HOME = join(work, 'cache');
let fresh = 0;
const freshDir = () => join(work, `out-${++fresh}`);
/** Where the benchmark's repositories stand: the example's workspace, account and region. */
const WHERE = [
  '--workspace',
  'phub',
  '--workspace-uuid',
  '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a',
  '--account',
  '123456789012',
  '--region',
  'eu-west-1',
];
const newArgs = (dir) => [
  cli,
  'new',
  'phub-oidc-check',
  '--answers',
  'examples/phub-oidc-check.answers.json',
  '--dir',
  dir,
  '--yes',
  '--no-git',
  '--force',
];

/** Every file under `dir`: relative path (with /) → text. */
function readTree(dir) {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return Object.fromEntries(
    files
      .map((e) => join(e.parentPath, e.name))
      .sort()
      .map((p) => [relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8')]),
  );
}

function run(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: ${argv.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
}

function peakRssKiB(argv) {
  const out = join(work, 'time.txt');
  run([TIME, '-f', '%M', '-o', out, ...argv]);
  return Number(readFileSync(out, 'utf8').trim().split('\n').pop());
}

/**
 * Wall times of every command: after the warm-ups, `RUNS` rounds that run each command once in turn, so
 * a change in the machine's load falls on all of them alike. Then the largest peak RSS of 3 more runs.
 */
function measure(commands) {
  for (const c of commands) for (let i = 0; i < WARMUPS; i++) run(c.argv());
  const ms = commands.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    commands.forEach((c, i) => {
      const argv = c.argv(); // a fresh target folder is named before the clock starts
      const start = process.hrtime.bigint();
      run(argv);
      ms[i].push(Number(process.hrtime.bigint() - start) / 1e6);
    });
  }
  return commands.map((c, i) => {
    const sorted = ms[i].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return {
      label: c.label,
      median: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
      min: sorted[0],
      max: sorted[sorted.length - 1],
      rss: hasTime ? Math.max(...[1, 2, 3].map(() => peakRssKiB(c.argv()))) / 1024 : undefined,
    };
  });
}

try {
  // the plain-fs script writes what the CLI writes: its output, captured once, as one JSON file
  const reference = freshDir();
  run([process.execPath, ...newArgs(reference)]);
  const contents = join(work, 'contents.json');
  writeFileSync(contents, JSON.stringify(readTree(reference)));
  const plain = [process.execPath, join(root, 'bench/plain-fs.mjs'), contents];
  const check = freshDir();
  run([...plain, check]);
  if (JSON.stringify(readTree(check)) !== JSON.stringify(readTree(reference)))
    throw new Error('bench: plain-fs output differs from the CLI output');

  // check on a repository with 3 targets × 3 environments (the schema from a file: no network)
  const big = freshDir();
  run([
    process.execPath,
    join(root, 'dist/cli.js'),
    'new',
    'bench-repo',
    ...WHERE,
    '--repo-uuid',
    '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d',
    '--target',
    's3-static-site,lambda-deploy,ecr-push',
    // each environment its own bucket and function; the image repository is shared
    ...['test', 'staging', 'production'].flatMap((e) => [
      `--site-bucket.${e}`,
      `${e}.example.com`,
      `--function-name.${e}`,
      `api-${e}`,
    ]),
    '--ecr-repository',
    'web',
    '--environment',
    'test=1a2b3c4d-0001-4a00-8000-00000000000a',
    '--environment',
    'staging=1a2b3c4d-0002-4b00-9000-00000000000b',
    '--environment',
    'production=1a2b3c4d-0003-4c00-a000-00000000000c',
    '--iac',
    'both',
    '--dir',
    big,
    '--yes',
    '--no-git',
    '--force',
  ]);
  const schemaFile = join(work, 'schema.json');
  writeFileSync(schemaFile, JSON.stringify({ type: 'object' }));
  const shared = join(root, '..', 'shared', 'reference', 'bitbucket', 'pipelines-configuration.schema.json');
  const schema = existsSync(shared) ? shared : schemaFile;

  const rows = measure([
    { label: 'node -e 0', argv: () => [process.execPath, '-e', '0'] },
    { label: 'plain fs (bench/plain-fs.mjs)', argv: () => [...plain, freshDir()] },
    { label: 'pipelines-oidc new (dist/cli.js)', argv: () => [process.execPath, ...newArgs(freshDir())] },
    {
      label: 'check: 3 targets × 3 environments',
      argv: () => [process.execPath, join(root, 'dist/cli.js'), 'check', big, '--schema', schema, '--json'],
    },
  ]);

  const fmt = (n) => n.toFixed(1);
  const table = [
    ['command', 'median ms', 'min ms', 'max ms', 'peak RSS MB'],
    ...rows.map((r) => [r.label, fmt(r.median), fmt(r.min), fmt(r.max), r.rss === undefined ? 'n/a' : fmt(r.rss)]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');

  console.log(
    `Node ${process.version} (${process.platform} ${process.arch}); ${RUNS} timed runs per command (taking turns) after ${WARMUPS} warm-ups`,
  );
  console.log(
    `${Object.keys(readTree(reference)).length} files per run${hasTime ? '' : `; peak RSS n/a (${TIME} not found)`}\n`,
  );
  for (const row of table) console.log(line(row));
  const ratio = rows[2].median / rows[1].median;
  console.log(
    `\nnew / plain fs (medians): ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'})`,
  );
  // minimums are the least disturbed by other load on the machine
  console.log(`new / plain fs (minimums): ${(rows[2].min / rows[1].min).toFixed(2)}`);
  console.log(
    `check, 3 targets × 3 environments (median): ${fmt(rows[3].median)} ms (target ≤ 500 ms: ${rows[3].median <= 500 ? 'met' : 'NOT met'})`,
  );

  // workshop: the whole process for a roster of n attendees, median of WORKSHOP_RUNS fresh runs after one warm-up
  const workshop = (n) => {
    const roster = join(work, `roster-${n}.csv`);
    const rows = Array.from(
      { length: n },
      (_, i) => `Attendee ${i},aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    writeFileSync(roster, ['attendee,repo_uuid', ...rows].join('\n'));
    const argv = () => [
      process.execPath,
      cli,
      'workshop',
      '--roster',
      roster,
      '--out',
      freshDir(),
      ...WHERE,
      '--iac',
      'both',
      '--exercise',
      'none,workspace-wide-trust',
      '--yes',
    ];
    run(argv());
    const ms = [];
    for (let i = 0; i < WORKSHOP_RUNS; i++) {
      const a = argv();
      const start = process.hrtime.bigint();
      run(a);
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return ms.sort((a, b) => a - b)[WORKSHOP_RUNS >> 1];
  };
  const w100 = workshop(100);
  const w1000 = workshop(1000);
  console.log(
    `\nworkshop, 100 attendees, no push (median of ${WORKSHOP_RUNS}): ${fmt(w100)} ms (target ≤ ${WORKSHOP_100_TARGET_MS} ms: ${w100 <= WORKSHOP_100_TARGET_MS ? 'met' : 'NOT met'})`,
  );
  console.log(
    `workshop, 1,000 attendees, no push (median of ${WORKSHOP_RUNS}): ${fmt(w1000)} ms (${(w1000 / w100).toFixed(2)}× the 100 figure; target ≤ ${WORKSHOP_SCALE_TARGET}×: ${w1000 <= WORKSHOP_SCALE_TARGET * w100 ? 'met' : 'NOT met'})`,
  );

  // rehearse: moto_server's start-up against the whole rehearsal of the example (one run of its one step)
  if (spawnSync('sh', ['-c', 'command -v moto_server']).status === 0) {
    const REHEARSE_RUNS = 3;
    // rehearse's own start-up of moto_server, until it answers, in a process of its own
    const motoStart = () => {
      const script = `const { startMoto } = await import(${JSON.stringify(join(root, 'dist/io/rehearse/moto.js'))}); const t = process.hrtime.bigint(); const m = await startMoto('123456789012'); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6)); await m.stop();`;
      return Number(spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).stdout);
    };
    const rehearsal = () => {
      const start = process.hrtime.bigint();
      run([process.execPath, cli, 'rehearse', 'examples/phub-oidc-check', '--runs', '1']);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const median = (f) => Array.from({ length: REHEARSE_RUNS }, f).sort((a, b) => a - b)[REHEARSE_RUNS >> 1];
    const moto = median(motoStart);
    const whole = median(rehearsal);
    console.log(
      `\nrehearse examples/phub-oidc-check --runs 1 (median of ${REHEARSE_RUNS}): ${fmt(whole)} ms, of which moto_server start-up ${fmt(moto)} ms`,
    );
  } else {
    console.log('\nrehearse: skipped, moto_server is not installed');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
