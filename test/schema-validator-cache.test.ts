/**
 * The compiled-schema cache (src/io/schema-validator-cache.ts). With Atlassian's schema, the findings are
 * the same with a cold cache, a warm one and none (compiled in-process) for every fixture, every generated
 * repository and over a thousand pipelines mangled from them, down to the schema objects Ajv's errors point
 * at; a damaged or stale cache file is replaced, a good one is written once and reused, and a cache that
 * cannot be written changes nothing. Every test has a cache folder of its own.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse as parseYaml, stringify as yamlText } from 'yaml';
import { AUTH_CHOICES, type Answers } from '../src/core/answers.ts';
import { runChecks } from '../src/core/check/index.ts';
import { pipelineAjv } from '../src/core/check/pipeline-ajv.ts';
import { pipelineFindings } from '../src/core/check/findings.ts';
import type { SchemaValidator } from '../src/core/check/pipeline-schema.ts';
import type { Finding } from '../src/core/check/rules.ts';
import { BUILT_IN_TARGETS } from '../src/core/targets/index.ts';
import { readCheckInput } from '../src/io/check-input.ts';
import { schemaValidator } from '../src/io/schema-validator-cache.ts';
import {
  answers,
  renderRepo,
  ROOT,
  runCli,
  SHARED_REFERENCE,
  targetExamples,
  tempDir,
  withStages,
} from './support/fixtures.ts';
import { referencePresent } from './support/schema-reference.ts';

const SCHEMA_FILE = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');
const schemaText = referencePresent() ? readFileSync(SCHEMA_FILE, 'utf8') : undefined;
// notes through stdout itself: console.log would make Node warn that uvu's FORCE_COLOR overrides NO_COLOR
if (!schemaText)
  process.stdout.write(
    'note: ../shared/reference is absent beside the project; the validator cache is tested with a schema Ajv cannot compile only\n',
  );
/** Atlassian's schema as a new process reads it: a fresh object each time. */
const freshSchema = () => JSON.parse(schemaText!) as object;

// root writes into a read-only folder all the same
const asRoot = process.getuid?.() === 0;
if (schemaText && asRoot)
  process.stdout.write(
    'note: running as root: a read-only cache folder is tested for its findings only (the folder and file cases still cannot be written)\n',
  );

const FIXTURES = join(ROOT, 'test/fixtures/check');
const cacheFolder = (xdg: string) => join(xdg, 'pipelines-oidc');
const cacheFile = (xdg: string) => join(cacheFolder(xdg), 'pipelines-configuration.validator.js');
const envOf = (xdg: string): NodeJS.ProcessEnv => ({ XDG_CACHE_HOME: xdg });
// a fixed day: the findings compared must not depend on which images have aged since
const pipeline = (text: string, validator: SchemaValidator | undefined): Finding[] =>
  pipelineFindings({ file: 'bitbucket-pipelines.yml', text }, new Date('2026-01-01T00:00:00Z'), validator);
/** Ajv's in-process validators carry their compilation (schemaEnv); the cached code's do not. */
const fromCachedCode = (v: SchemaValidator | undefined) => v !== undefined && !('schemaEnv' in v);

function withCache(body: (xdg: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const tmp = tempDir('pipelines-oidc-validator-cache-');
    try {
      await body(tmp.path);
    } finally {
      tmp.cleanup();
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// pipelines: the fixtures', every generated repository's, and mangled copies of them

const fixtureDirs = readdirSync(FIXTURES).sort();
const everyTarget = BUILT_IN_TARGETS.map((t) => t.id).join(',');
const ENVIRONMENTS = 'test=1a2b3c4d-0001-4a00-8000-00000000000a,production=1a2b3c4d-0003-4c00-a000-00000000000c';
const GENERATED: Answers[] = [
  answers(),
  ...[...BUILT_IN_TARGETS.map((t) => t.id), everyTarget].flatMap((target) =>
    ['', ENVIRONMENTS].map((environments) =>
      answers({
        target: withStages(target, environments),
        environments,
        targetAnswers: targetExamples(environments),
        iac: 'both',
      }),
    ),
  ),
  ...AUTH_CHOICES.map((auth) =>
    answers({ auth, target: everyTarget, targetAnswers: targetExamples(ENVIRONMENTS), environments: ENVIRONMENTS }),
  ),
];

const sources: string[] = [
  ...fixtureDirs
    .map((d) => join(FIXTURES, d, 'bitbucket-pipelines.yml'))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, 'utf8')),
  ...GENERATED.map((a) => renderRepo(a).files.get('bitbucket-pipelines.yml')!),
];

/** Values that break the schema in different ways: wrong types, unknown keys, items fitting no or several oneOf branches. */
const JUNK: unknown[] = [
  42,
  'text',
  null,
  true,
  [],
  {},
  { unknownz: 1 },
  { step: { script: ['echo'], scriptz: ['echo'] } },
  [{ step: { name: 'no script' } }],
  { parallel: { steps: [{ step: { script: [1] } }], 'fail-fast': 'no' } },
  { stage: { steps: [], bogus: true } },
  { oidc: 'yes', 'max-time': -1, size: '3x' },
];
type Mangle = (parent: Record<string, unknown> | unknown[], key: string) => void;
const MANGLES: Mangle[] = [
  ...JUNK.map(
    (junk): Mangle =>
      (parent, key) =>
        ((parent as Record<string, unknown>)[key] = structuredClone(junk)),
  ),
  (parent, key) => {
    const node = (parent as Record<string, unknown>)[key];
    if (node && typeof node === 'object' && !Array.isArray(node)) (node as Record<string, unknown>)['unknownz'] = 'x';
  },
  (parent, key) => {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  },
];

/** Every place in a value, as the keys that lead to it from the root. */
function places(value: unknown, path: string[] = []): string[][] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [[...path, k], ...places(v, [...path, k])]);
}

/**
 * Each source, and copies with one place mangled, two ways per place taking turns through MANGLES; the
 * every-target repositories are left whole (their steps only repeat the single-target ones', at length).
 */
const variants: Array<{ text: string; value: unknown }> = sources.flatMap((text) => {
  const doc: unknown = parseYaml(text);
  if (text.length > 4000) return [{ text, value: doc }];
  return [
    { text, value: doc },
    ...places(doc).flatMap((path, i) =>
      [0, 1].map((turn) => {
        const copy = { root: structuredClone(doc) };
        const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], copy.root);
        MANGLES[(2 * i + turn) % MANGLES.length]!(parent, path.at(-1)!);
        return { text: yamlText(copy.root), value: copy.root };
      }),
    ),
  ];
});

const findingsOf = (v: SchemaValidator | undefined, of = variants) => of.map((x) => pipeline(x.text, v));
/** Enough variants to tell a working validator, for the tests of the cache's own workings. */
const sample = variants.filter((_, i) => i % 20 === 0);
const fixtureReports = (v: SchemaValidator | undefined, now: Date) =>
  fixtureDirs.map((d) => runChecks(readCheckInput(join(FIXTURES, d)), { schemaValidator: v, now }));

// ---------------------------------------------------------------------------------------------------

test(
  'a schema Ajv cannot compile leaves the built-in checks in charge, and nothing is cached',
  withCache(async (xdg) => {
    const text = 'pipelines:\n  default:\n    - step:\n        oidc: "yes"\n        script: [echo]\n';
    for (const broken of [{ type: 'nonsense' }, { $ref: '#/nowhere' }]) {
      const validator = await schemaValidator(broken, envOf(xdg));
      assert.is(validator, undefined);
      assert.equal(
        pipeline(text, validator).map((f) => [f.id, f.line, f.message]),
        [['pipeline.schema', 4, 'pipelines.default[0].step.oidc must be true or false']],
      );
    }
    assert.not.ok(existsSync(cacheFile(xdg)));
  }),
);

if (schemaText) {
  test(
    'cold cache, warm cache and no cache: the same findings for every fixture and every variant',
    withCache(async (xdg) => {
      const none = pipelineAjv().compile(freshSchema());
      const cold = await schemaValidator(freshSchema(), envOf(xdg));
      assert.ok(existsSync(cacheFile(xdg)), 'the cold run wrote the cache');
      const warm = await schemaValidator(freshSchema(), envOf(xdg));
      assert.ok(fromCachedCode(cold) && fromCachedCode(warm), 'both validate with the cached code');

      const now = new Date();
      const reports = fixtureReports(none, now);
      assert.equal(fixtureReports(cold, now), reports);
      assert.equal(fixtureReports(warm, now), reports);

      const expected = findingsOf(none);
      assert.equal(findingsOf(cold), expected);
      assert.equal(findingsOf(warm), expected);
      // the comparison means something: many variants break the schema, among them oneOf items whose branch is picked by its unexpected keys
      const bySchema = expected.filter((found) => found.some((f) => f.message.endsWith("(Atlassian's schema)")));
      assert.ok(
        variants.length > 1000 && bySchema.length > variants.length / 3,
        `${bySchema.length} of ${variants.length} variants break the schema`,
      );
      assert.ok(
        expected.flat().some((f) => / has the unexpected key unknownz \(/.test(f.message)),
        'a oneOf branch was picked by its unexpected keys',
      );
      // an item with a step and one key too many: the step branch objects to that key alone, the others to both
      const item = 'pipelines:\n  default:\n    - step:\n        script: [echo]\n      unknownz: 1\n';
      for (const v of [none, cold, warm])
        assert.equal(
          pipeline(item, v).map((f) => f.message),
          ["pipelines.default[0] has the unexpected key unknownz (Atlassian's schema)"],
        );
    }),
  );

  test(
    'the cached code reports the very errors Ajv does, pointing at the same objects of the schema',
    withCache(async (xdg) => {
      await schemaValidator(freshSchema(), envOf(xdg));
      const schema = freshSchema();
      const inProcess = pipelineAjv().compile(schema);
      const cached = (await schemaValidator(schema, envOf(xdg)))!;
      assert.ok(fromCachedCode(cached));
      let errors = 0;
      for (const { value } of variants) {
        assert.is(cached(value), inProcess(value));
        const [a, b] = [inProcess.errors ?? [], cached.errors ?? []];
        assert.equal(b, a);
        // the same objects, not equal copies: the oneOf branches are told apart by identity
        a.forEach((e, i) =>
          assert.ok(
            b[i]!.parentSchema === e.parentSchema && b[i]!.schema === e.schema,
            `${e.schemaPath} at ${e.instancePath}`,
          ),
        );
        errors += a.length;
      }
      assert.ok(errors > 5000, `${errors} errors compared`);
    }),
  );

  test(
    'the cache is written once, then read without being written again',
    withCache(async (xdg) => {
      const file = cacheFile(xdg);
      await schemaValidator(freshSchema(), envOf(xdg));
      const written = readFileSync(file, 'utf8');
      assert.match(written, /^\/\/ pipelines-oidc schema validator [0-9a-f]{64} [0-9a-f]{64}\n"use strict";/);
      const before = statSync(file);
      const past = new Date('2001-02-03T04:05:06Z');
      utimesSync(file, past, past);
      for (let run = 0; run < 3; run++) {
        const warm = await schemaValidator(freshSchema(), envOf(xdg));
        assert.ok(fromCachedCode(warm));
        const after = statSync(file);
        assert.is(after.ino, before.ino, 'not replaced');
        assert.is(after.mtimeMs, past.getTime(), 'not written');
        assert.is(readFileSync(file, 'utf8'), written);
      }
      assert.equal(readdirSync(cacheFolder(xdg)), ['pipelines-configuration.validator.js'], 'no temporary file left');
    }),
  );

  test(
    'a damaged, foreign or stale cache file is ignored and replaced',
    withCache(async (xdg) => {
      const file = cacheFile(xdg);
      const reference = findingsOf(pipelineAjv().compile(freshSchema()), sample);
      await schemaValidator(freshSchema(), envOf(xdg));
      const good = readFileSync(file, 'utf8');
      const [header, key] = /^\/\/ pipelines-oidc schema validator ([0-9a-f]{64}) [0-9a-f]{64}\n/.exec(good)!;
      const body = good.slice(header.length);
      const hashed = (k: string, code: string) =>
        `// pipelines-oidc schema validator ${k} ${createHash('sha256').update(code).digest('hex')}\n${code}`;
      const damaged: Record<string, string> = {
        empty: '',
        'not JavaScript': 'garbage {{{',
        'cut in half': good.slice(0, good.length >> 1),
        'one changed character': header + body.replace('errors', 'errorz'),
        'no header': body,
        'made for another key': hashed('0'.repeat(64), body),
        'defining no validator': hashed(key!, 'module.exports = 42;'),
        'throwing when loaded': hashed(key!, 'throw new Error("damaged");'),
        'a syntax error': hashed(key!, '}{'),
      };
      for (const [label, text] of Object.entries(damaged)) {
        writeFileSync(file, text);
        const validator = await schemaValidator(freshSchema(), envOf(xdg));
        assert.equal(findingsOf(validator, sample), reference, label);
        assert.is(readFileSync(file, 'utf8'), good, `${label}: replaced by the good code`);
      }
    }),
  );

  test(
    'another schema replaces the cached code, and the findings follow the schema given',
    withCache(async (xdg) => {
      const small = {
        type: 'object',
        properties: {
          pipelines: { type: 'object', additionalProperties: false, properties: { default: { type: 'array' } } },
        },
      };
      const text = 'pipelines:\n  default:\n    - step:\n        script: [echo]\n  defaultz: []\n';
      const keyOf = () => readFileSync(cacheFile(xdg), 'utf8').split(' ')[4];
      const atlassian = pipeline(text, pipelineAjv().compile(freshSchema()));
      const own = pipeline(text, pipelineAjv().compile(structuredClone(small)));
      assert.not.equal(own, atlassian);
      assert.equal(pipeline(text, await schemaValidator(freshSchema(), envOf(xdg))), atlassian);
      const first = keyOf();
      assert.equal(pipeline(text, await schemaValidator(structuredClone(small), envOf(xdg))), own);
      assert.is.not(keyOf(), first);
      assert.equal(pipeline(text, await schemaValidator(freshSchema(), envOf(xdg))), atlassian);
      assert.is(keyOf(), first);
    }),
  );

  test(
    'a cache that cannot be written: the same findings, run after run',
    withCache(async (xdg) => {
      const reference = findingsOf(pipelineAjv().compile(freshSchema()), sample);
      const twice = async (label: string) => {
        for (let run = 0; run < 2; run++)
          assert.equal(
            findingsOf(await schemaValidator(freshSchema(), envOf(xdg)), sample),
            reference,
            `${label}, run ${run + 1}`,
          );
      };

      // a read-only folder
      mkdirSync(cacheFolder(xdg), { recursive: true });
      chmodSync(cacheFolder(xdg), 0o555);
      try {
        await twice('read-only folder');
        if (!asRoot) assert.equal(readdirSync(cacheFolder(xdg)), []);
      } finally {
        chmodSync(cacheFolder(xdg), 0o755);
      }
      rmSync(cacheFolder(xdg), { recursive: true, force: true });

      // a file where the folder should be
      writeFileSync(cacheFolder(xdg), 'not a folder');
      await twice('the cache folder is a file');
      assert.is(readFileSync(cacheFolder(xdg), 'utf8'), 'not a folder');
      rmSync(cacheFolder(xdg));

      // a folder where the cache file should be: it can be neither read nor replaced
      mkdirSync(cacheFile(xdg), { recursive: true });
      await twice('the cache file is a folder');
      assert.equal(readdirSync(cacheFolder(xdg)), ['pipelines-configuration.validator.js'], 'no temporary file left');
      assert.ok(statSync(cacheFile(xdg)).isDirectory());
    }),
  );

  test(
    'pipelines-oidc check: the same report cold and warm, and a warm run loads no Ajv compiler',
    withCache(async (xdg) => {
      const loaded = (dir: string) => {
        const record = join(xdg, 'modules.json');
        const r = runCli(['check', dir, '--schema', SCHEMA_FILE, '--json'], {
          env: {
            XDG_CACHE_HOME: xdg,
            NODE_OPTIONS: `--require ${join(ROOT, 'test/support/record-modules.cjs')}`,
            RECORD_MODULES: record,
          },
        });
        assert.ok(r.status === 0 || r.status === 1, r.stderr);
        const modules = (JSON.parse(readFileSync(record, 'utf8')) as string[])
          .filter((p) => p.includes('/ajv/'))
          .map((p) => p.slice(p.lastIndexOf('/ajv/') + 1));
        return { report: JSON.parse(r.stdout) as unknown, ajv: modules.includes('ajv/dist/ajv.js') };
      };
      for (const [i, d] of ['pipeline.schema', 'tutorial', 'clean'].entries()) {
        const dir = join(FIXTURES, d);
        const cold = loaded(dir);
        assert.is(cold.ajv, i === 0, `${d}: Ajv compiles only on the first run`);
        const warm = loaded(dir);
        assert.not.ok(warm.ajv, `${d}: the warm run loads no Ajv compiler`);
        assert.equal(warm.report, cold.report, d);
      }
    }),
  );
}

test.run();
