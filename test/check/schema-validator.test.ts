/**
 * Atlassian's schema is compiled in-process from its data on every run, and `check` never runs code from
 * its cache folder: a validator planted there (as an older version cached its compiled code, guarded by a
 * hash anyone who can write the folder can recompute) is never executed. A schema Ajv cannot compile
 * leaves the built-in structural checks in charge; its patterns run on the linear matcher.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compilePipelineSchema } from '../../src/core/check/pipeline-ajv.ts';
import { pipelineFindings } from '../../src/core/check/findings.ts';
import { AJV_OPTIONS, AJV_VOCABULARY, type SchemaValidator } from '../../src/core/check/pipeline-schema.ts';
import type { Finding } from '../../src/core/check/rules.ts';
import { runCliAsync } from '../support/cli-helpers.ts';
import { ROOT, runCli, SHARED_REFERENCE, tempDir } from '../support/fixtures.ts';
import { referencePresent } from '../support/schema-reference.ts';

const SCHEMA_FILE = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');
const FIXTURE = join(ROOT, 'test/fixtures/check/pipeline.schema');
// a fixed day: the findings compared must not depend on which images have aged since
const pipeline = (text: string, validator: SchemaValidator | undefined): Finding[] =>
  pipelineFindings({ file: 'bitbucket-pipelines.yml', text }, new Date('2026-01-01T00:00:00Z'), validator);

test('a schema Ajv cannot compile leaves the built-in checks in charge', () => {
  const text = 'pipelines:\n  default:\n    - step:\n        oidc: "yes"\n        script: [echo]\n';
  for (const broken of [{ type: 'nonsense' }, { $ref: '#/nowhere' }]) {
    const validator = compilePipelineSchema(broken);
    assert.is(validator, undefined);
    assert.equal(
      pipeline(text, validator).map((f) => [f.id, f.line, f.message]),
      [['pipeline.schema', 4, 'pipelines.default[0].step.oidc must be true or false']],
    );
  }
});

test("the schema's patterns run on the linear matcher: one it refuses leaves the built-in checks in charge", () => {
  const withPattern = (pattern: string) => ({
    type: 'object',
    properties: { image: { type: 'string', pattern } },
  });
  // a backreference needs a backtracking engine: JavaScript's RegExp would take it
  assert.is(compilePipelineSchema(withPattern('^(a)\\1$')), undefined);
  const nested = compilePipelineSchema(withPattern('^(a+)+$'))!;
  assert.ok(nested({ image: 'aaaa' }));
  // the backtracking engine takes 2^40 steps on this; the linear matcher 41 rounds
  assert.not.ok(nested({ image: `${'a'.repeat(40)}!` }));
});

/**
 * A validator file as the code cache of earlier versions wrote it, for `schema`: its header holds the key
 * (format, Ajv's version, the Ajv setup, the schema) and the SHA-256 of the code, both recomputable by anyone.
 */
function poisonedValidator(schema: object, marker: string): string {
  const ajv = (createRequire(import.meta.url)('ajv/package.json') as { version: string }).version;
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const key = sha256(
    [1, ajv, JSON.stringify(AJV_OPTIONS), JSON.stringify(AJV_VOCABULARY), JSON.stringify(schema)].join('\n'),
  );
  const body = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = () => true;\n`;
  return `// pipelines-oidc schema validator ${key} ${sha256(body)}\n${body}`;
}

test('check never runs code from its cache folder: a planted validator is not executed', () => {
  const tmp = tempDir('pipelines-oidc-poisoned-cache-');
  try {
    const schema = { type: 'object' };
    const schemaFile = join(tmp.path, 'schema.json');
    writeFileSync(schemaFile, JSON.stringify(schema));
    const cache = join(tmp.path, 'cache', 'pipelines-oidc');
    mkdirSync(cache, { recursive: true });
    const marker = join(tmp.path, 'marker');
    writeFileSync(join(cache, 'pipelines-configuration.validator.js'), poisonedValidator(schema, marker));
    // the schema given with --schema, then the same schema as the cache's data (no network either way)
    writeFileSync(join(cache, 'pipelines-configuration.schema.json'), JSON.stringify(schema));
    for (const args of [['--schema', schemaFile], []]) {
      const r = runCli(['check', FIXTURE, '--json', ...args], {
        env: { XDG_CACHE_HOME: join(tmp.path, 'cache'), PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/' },
      });
      assert.is(r.status, 1, r.stderr);
      assert.not.ok(existsSync(marker), `the planted code ran (${args.join(' ') || 'cached schema'})`);
      const report = JSON.parse(r.stdout) as { findings: Finding[] };
      assert.ok(
        report.findings.some((f) => f.id === 'pipeline.schema'),
        'the pipeline was checked',
      );
    }
  } finally {
    tmp.cleanup();
  }
});

test("a schema fetched is read no further than --schema's limit, and cached by a rename that replaces a planted link", async () => {
  const tmp = tempDir('pipelines-oidc-schema-fetch-');
  let endless = true;
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (!endless) return res.end(JSON.stringify({ type: 'object' }));
    // an answer without end: 64 kB chunks for as long as the client reads
    const chunk = `[${' '.repeat(65_536)}`;
    const write = () => {
      while (res.write(chunk));
      res.once('drain', write);
    };
    res.on('error', () => undefined);
    write();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    const env = {
      XDG_CACHE_HOME: join(tmp.path, 'cache'),
      PIPELINES_OIDC_SCHEMA_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/schema`,
    };
    const big = await runCliAsync(['check', FIXTURE, '--json', '--refresh-schema'], { env });
    assert.is(big.status, 1, big.stderr);
    assert.match((JSON.parse(big.stdout) as { schema: string }).schema, 'its answer is larger than 10,000,000 bytes');

    endless = false;
    const cache = join(tmp.path, 'cache', 'pipelines-oidc');
    mkdirSync(cache, { recursive: true });
    const victim = join(tmp.path, 'victim');
    writeFileSync(victim, 'keep me');
    symlinkSync(victim, join(cache, 'pipelines-configuration.schema.json'));
    const fetched = await runCliAsync(['check', FIXTURE, '--json', '--refresh-schema'], { env });
    assert.is(fetched.status, 1, fetched.stderr);
    assert.match((JSON.parse(fetched.stdout) as { schema: string }).schema, 'fetched from');
    assert.is(readFileSync(victim, 'utf8'), 'keep me', 'the link was written through');
    assert.not.ok(lstatSync(join(cache, 'pipelines-configuration.schema.json')).isSymbolicLink());
  } finally {
    server.closeAllConnections();
    server.close();
    tmp.cleanup();
  }
});

if (referencePresent()) {
  test("Atlassian's schema: a oneOf branch is picked by the unexpected keys it objects to", () => {
    const validator = compilePipelineSchema(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
    assert.ok(validator);
    // an item with a step and one key too many: the step branch objects to that key alone, the others to both
    const item = 'pipelines:\n  default:\n    - step:\n        script: [echo]\n      unknownz: 1\n';
    assert.equal(
      pipeline(item, validator).map((f) => f.message),
      ["pipelines.default[0] has the unexpected key unknownz (Atlassian's schema)"],
    );
  });
} else
  process.stdout.write("note: ../shared/reference is absent beside the project; Atlassian's schema is not compiled\n");

test.run();
