/**
 * `check` as a CI gate: a baseline lets an existing repository pass until a new finding appears, and a
 * run never reaches the network unless `--refresh-schema` asks it to.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommand } from '../../src/commands/args.ts';
import { assertOneLineError, runCliAsync } from '../support/cli-helpers.ts';
import { formatErrors, parseYaml, pipelinesValidator, referencePresent } from '../support/schema-reference.ts';
import { ROOT, runCli, SHARED_REFERENCE, tempDir } from '../support/fixtures.ts';

const OFFLINE = { PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable', XDG_CACHE_HOME: '/nonexistent-cache' };
const TUTORIAL = join(ROOT, 'test/fixtures/check/tutorial');
const BASELINE = 'check-baseline.json';

interface Report {
  ok: boolean;
  findings: Array<{ id: string; file: string; line?: number; message: string }>;
  suppressed?: Array<{ id: string; file: string; line?: number; message: string }>;
}

/** `check .` in the folder, as the README's step runs it: the baseline's name is relative to it. */
const check = (dir: string, args: string[]) => runCli(['check', '.', ...args], { cwd: dir, env: OFFLINE });

function withTutorial(body: (dir: string) => void): void {
  const tmp = tempDir('pipelines-oidc-baseline-');
  try {
    const dir = join(tmp.path, 'repo');
    cpSync(TUTORIAL, dir, { recursive: true });
    // one finding to baseline: the tutorial's step also outlives its session, which these tests leave aside
    const pipeline = join(dir, 'bitbucket-pipelines.yml');
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('oidc: true', 'oidc: true\n        max-time: 60'));
    body(dir);
  } finally {
    tmp.cleanup();
  }
}

const TRUST = 'iam/trust-policy.json';

test('--baseline: the unchanged repository passes, a finding moved down passes, one new finding fails', () => {
  withTutorial((dir) => {
    const first = check(dir, ['--format', 'json']);
    assert.is(first.status, 1, first.stderr);
    const before = (JSON.parse(first.stdout) as Report).findings;
    assert.equal(
      before.map((f) => [f.id, f.line]),
      [['trust.workspace-wide', 10]],
    );
    // the baseline lives in the repository, as the README's step has it, and is not read as a policy
    writeFileSync(join(dir, BASELINE), first.stdout);

    const unchanged = check(dir, ['--baseline', BASELINE]);
    assert.is(unchanged.status, 0, unchanged.stdout);
    assert.match(unchanged.stdout, /^1 finding suppressed by the baseline check-baseline\.json$/m);
    assert.not.match(unchanged.stdout, 'trust.workspace-wide');

    const policy = readFileSync(join(dir, TRUST), 'utf8');
    writeFileSync(join(dir, TRUST), `\n\n\n${policy}`);
    const moved = check(dir, ['--baseline', BASELINE, '--json']);
    assert.is(moved.status, 0, moved.stdout);
    const movedReport = JSON.parse(moved.stdout) as Report;
    assert.equal(movedReport.findings, []);
    assert.equal(
      movedReport.suppressed?.map((f) => [f.id, f.line]),
      [['trust.workspace-wide', 13]],
    );

    // the same statement twice: the second one is a finding of its own
    const doc = JSON.parse(policy) as { Statement: unknown[] };
    writeFileSync(
      join(dir, TRUST),
      JSON.stringify({ ...doc, Statement: [doc.Statement[0], doc.Statement[0]] }, null, 2),
    );
    const added = check(dir, ['--baseline', BASELINE, '--json']);
    assert.is(added.status, 1, added.stdout);
    const addedReport = JSON.parse(added.stdout) as Report;
    assert.equal(
      addedReport.findings.map((f) => [f.id, f.message.slice(0, 13)]),
      [['trust.workspace-wide', 'Statement[1]:']],
    );
    assert.is(addedReport.suppressed?.length, 1);
    assert.match(added.stderr, /^1 finding suppressed by the baseline check-baseline\.json\n$/);
  });
});

test('--baseline: a finding whose message names a line (pipeline.oidc-missing) stays suppressed when it moves', () => {
  const tmp = tempDir('pipelines-oidc-baseline-');
  try {
    cpSync(join(ROOT, 'test/fixtures/check/pipeline.oidc-missing'), tmp.path, { recursive: true });
    const first = check(tmp.path, ['--json']);
    assert.match((JSON.parse(first.stdout) as Report).findings[0]!.message, '(line 14)');
    writeFileSync(join(tmp.path, BASELINE), first.stdout);
    const pipeline = join(tmp.path, 'bitbucket-pipelines.yml');
    writeFileSync(pipeline, `# moved down\n#\n${readFileSync(pipeline, 'utf8')}`);
    const moved = check(tmp.path, ['--baseline', BASELINE, '--json']);
    assert.is(moved.status, 0, moved.stdout);
    assert.match((JSON.parse(moved.stdout) as Report).suppressed![0]!.message, '(line 16)');
  } finally {
    tmp.cleanup();
  }
});

test('--baseline with --format sarif and junit: only new findings fail, the count on stderr', () => {
  withTutorial((dir) => {
    writeFileSync(join(dir, BASELINE), check(dir, ['--json']).stdout);
    const sarif = check(dir, ['--baseline', BASELINE, '--format', 'sarif']);
    assert.is(sarif.status, 0, sarif.stderr);
    const results = (JSON.parse(sarif.stdout) as { runs: Array<{ results: Array<Record<string, unknown>> }> }).runs[0]!
      .results;
    assert.equal(
      results.map((r) => [r['ruleId'], r['baselineState'], r['suppressions']]),
      [
        [
          'trust.workspace-wide',
          'unchanged',
          [{ kind: 'external', justification: 'in the baseline check-baseline.json' }],
        ],
      ],
    );
    assert.match(sarif.stderr, '1 finding suppressed by the baseline check-baseline.json');
    const junit = check(dir, ['--baseline', BASELINE, '--format', 'junit']);
    assert.is(junit.status, 0, junit.stderr);
    assert.match(junit.stdout, 'failures="0"');
    assert.not.match(junit.stdout, '<failure');
  });
});

test('a baseline that is not one is one line naming --baseline and what is wrong, exit 2, nothing on stdout', () => {
  withTutorial((dir) => {
    const cases: Array<[string, string]> = [
      ['{"findings": [', 'not valid JSON'],
      ['[]', 'no "findings" list'],
      ['{"findings": {"id": "x"}}', 'no "findings" list'],
      ['{"findings": [{"id": "trust.aud", "file": "a.json"}]}', 'findings[0] needs "id", "file" and "message"'],
      ['{"findings": [{"id": 1, "file": "a.json", "message": "m"}]}', 'findings[0] needs'],
      [JSON.stringify({ findings: Array(10_001).fill({ id: 'a', file: 'b', message: 'c' }) }), 'more than 10,000'],
      [`{"findings": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'nested'],
      [' '.repeat(5_000_001), 'larger than 5,000,000 bytes'],
    ];
    for (const [text, fragment] of cases) {
      writeFileSync(join(dir, BASELINE), text);
      assertOneLineError(check(dir, ['--baseline', BASELINE]), 2, ['--baseline', fragment]);
    }
    assertOneLineError(check(dir, ['--baseline', 'missing.json']), 2, ['--baseline missing.json']);
    // a report written by PowerShell's `>` (UTF-16 with a byte-order mark) is read as it is
    const report = check(dir, ['--json']).stdout;
    writeFileSync(join(dir, BASELINE), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(report, 'utf16le')]));
    assert.is(check(dir, ['--baseline', BASELINE]).status, 0);
  });
});

const SCHEMA_FILE = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');

test('offline by default: no request without --refresh-schema; it fetches once, and later runs use the cache quietly', async () => {
  const schema = existsSync(SCHEMA_FILE) ? readFileSync(SCHEMA_FILE, 'utf8') : JSON.stringify({ type: 'object' });
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(schema);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const tmp = tempDir('pipelines-oidc-offline-');
  try {
    const env = {
      PIPELINES_OIDC_SCHEMA_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/schema`,
      XDG_CACHE_HOME: tmp.path,
    };
    const run = (args: string[], more: Record<string, string> = {}) =>
      runCliAsync(['check', join(ROOT, 'examples/phub-oidc-check'), ...args], { env: { ...env, ...more } });
    const cache = join(tmp.path, 'pipelines-oidc', 'pipelines-configuration.schema.json');

    const none = await run([]);
    assert.is(none.status, 0, none.stderr);
    assert.is(hits, 0, 'no request without --refresh-schema');
    assert.equal(
      none.stdout.split('\n').filter((l) => l.includes('schema')),
      [
        'schema: none cached; built-in structural checks only (run check --refresh-schema once to fetch it, or pass --schema <file>)',
      ],
    );
    assert.not.ok(existsSync(cache));

    const refreshed = await run(['--refresh-schema', '--json']);
    assert.is(refreshed.status, 0, refreshed.stderr);
    assert.is(hits, 1);
    assert.match(
      (JSON.parse(refreshed.stdout) as { schema: string }).schema,
      `fetched from ${env.PIPELINES_OIDC_SCHEMA_URL} and cached`,
    );
    assert.is(readFileSync(cache, 'utf8'), JSON.stringify(JSON.parse(schema)));

    const quiet = await run([]);
    assert.is(quiet.status, 0, quiet.stderr);
    assert.not.match(quiet.stdout + quiet.stderr, /schema/);
    const json = await run(['--json']);
    assert.match((JSON.parse(json.stdout) as { schema: string }).schema, 'cached copy');
    assert.is(hits, 1, 'fetched once, by --refresh-schema');

    // a refresh that fails keeps the cached copy, and says so
    const failed = await run(['--refresh-schema'], { PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable' });
    assert.is(failed.status, 0, failed.stderr);
    assert.match(
      failed.stdout,
      /^schema: could not fetch http:\/\/127\.0\.0\.1:9\/unreachable \(.*\); the cached copy is used$/m,
    );
  } finally {
    server.close();
    tmp.cleanup();
  }
});

test('--refresh-schema with --schema is one line naming both (exit 2)', () => {
  assertOneLineError(check(TUTORIAL, ['--refresh-schema', '--schema', SCHEMA_FILE]), 2, [
    '--refresh-schema',
    '--schema',
  ]);
});

test("the README's pull-request step is a valid pipeline that writes check's JUnit report into test-results/", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const yaml = /<!-- check-gate:start -->\n```yaml\n([\s\S]*?)```\n<!-- check-gate:end -->/.exec(readme)?.[1];
  assert.ok(yaml, 'README.md has the check-gate markers around a yaml block');
  const pipeline = parseYaml(yaml!);
  if (referencePresent()) {
    const validate = pipelinesValidator();
    assert.ok(validate(pipeline), formatErrors(validate.errors));
  } else console.log("note: ../shared/reference is absent; the README's step is parsed, not validated");
  const steps = (pipeline['pipelines'] as { 'pull-requests': Record<string, Array<{ step: { script: string[] } }>> })[
    'pull-requests'
  ]['**']!;
  const command = steps[0]!.step.script.find((line) => line.startsWith('pipelines-oidc check '))!;
  const [args, report] = command.split(' > ');
  assert.match(report!, /^test-results\/[^/]+\.xml$/);
  const parsed = parseCommand('check', args!.split(' ').slice(2));
  assert.equal([parsed.options.format, parsed.options.baseline], ['junit', BASELINE]);
});

test.run();
