/**
 * The two in-house serializers against real parsers: whatever the string, the YAML emitter's output
 * read by the `yaml` package (YAML 1.2 and 1.1 rules) and the HCL serializer's output read by
 * hcl2json give back exactly the input.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { param, PARAMS, paramSpec, type ParamName } from '../../src/core/facts/params.ts';
import type { Json } from '../../src/core/util/json.ts';
import { hcl, hclAttributes, hclString } from '../../src/render/hcl.ts';
import { Tagged, toYaml, yamlScalar, type YamlValue } from '../../src/render/yaml.ts';
import { parseCloudFormation } from '../support/cfn-resolve.ts';
import { asTerraformSees, evaluate, parseHcl, type Value } from '../support/hcl-resolve.ts';
import { codePoint, FRAGMENTS, LONE_SURROGATES } from '../support/hostile-strings.ts';
import { tempDir } from '../support/fixtures.ts';

const wellFormedText = fc.oneof(
  fc.string({ unit: codePoint, maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...FRAGMENTS), maxLength: 10 }),
  fc.string({ unit: fc.oneof(codePoint, fc.constantFrom(...FRAGMENTS)), maxLength: 16 }),
);
/** Strings as JavaScript allows them: lone surrogates too (JSON and YAML can escape them). */
const anyText = fc.oneof(
  wellFormedText,
  fc.string({ unit: fc.oneof(codePoint, fc.constantFrom(...FRAGMENTS, ...LONE_SURROGATES)), maxLength: 16 }),
);

/** The `yaml` package as a strict reader: an error or a warning (an unknown tag, say) fails. */
function readYaml(text: string, version: '1.1' | '1.2'): unknown {
  const doc = parseDocument(text, { version, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(`${problems.map((p) => p.message).join('\n')}\n--- in ---\n${text}`);
  return doc.toJS();
}

const RUNS = { numRuns: 600 };

test('yamlScalar is one line for any string', () => {
  fc.assert(
    fc.property(anyText, (s) => {
      assert.not.ok(/[\n\r\u0085\u2028\u2029]/.test(yamlScalar(s)), JSON.stringify(yamlScalar(s)));
    }),
    RUNS,
  );
});

/** `doc` written by toYaml reads back the same, by YAML 1.2 and 1.1 rules. */
function assertYamlRoundTrip(doc: YamlValue): void {
  const text = toYaml(doc);
  assert.equal(readYaml(text, '1.2'), doc, text);
  assert.equal(readYaml(text, '1.1'), doc, text);
}

test('toYaml round-trips any string as a value, in YAML 1.2 and 1.1', () => {
  fc.assert(
    fc.property(anyText, (s) => {
      assertYamlRoundTrip({ k: s, list: [s], nested: { list: [[s], { k: s }] } });
    }),
    RUNS,
  );
});

test('toYaml round-trips any string as a key, in YAML 1.2 and 1.1', () => {
  fc.assert(
    fc.property(anyText, anyText, (key, s) => {
      assertYamlRoundTrip({ [key]: s, outer: { [key]: [s] } });
    }),
    RUNS,
  );
});

test('toYaml round-trips tagged values (CloudFormation intrinsics)', () => {
  fc.assert(
    fc.property(anyText, anyText, (s, t) => {
      const doc: YamlValue = {
        a: new Tagged('!Sub', s),
        b: new Tagged('!If', ['Cond', [new Tagged('!Ref', t)], s]),
        c: [new Tagged('!Ref', t)],
      };
      const text = toYaml(doc);
      const expected = { a: { 'Fn::Sub': s }, b: { 'Fn::If': ['Cond', [{ Ref: t }], s] }, c: [{ Ref: t }] };
      assert.equal(parseCloudFormation(text, '1.2'), expected, text);
      assert.equal(parseCloudFormation(text, '1.1'), expected, text);
    }),
    { numRuns: 300 },
  );
});

test('toYaml round-trips scalars of every kind', () => {
  const doc = {
    n: 3600,
    neg: -1.5,
    t: true,
    f: false,
    nil: null,
    empty: '',
    list: [],
    map: {},
    num: '3600',
    yes: 'yes',
    tilde: '~',
  };
  assertYamlRoundTrip(doc);
});

// HCL. Terraform files are UTF-8, where a lone surrogate cannot exist: the HCL properties use
// well-formed strings (the validated answers never hold a surrogate at all). HCL also normalises its
// source to NFC, so the value to expect back is the NFC form of the input (asTerraformSees).

const jsonValue: fc.Arbitrary<Json> = fc.jsonValue({
  maxDepth: 3,
  stringUnit: fc.oneof(codePoint, fc.constantFrom(...FRAGMENTS)),
}) as fc.Arbitrary<Json>;

/** What Terraform holds for a JSON value: `-0` is 0, strings and keys in NFC. */
const normal = (v: unknown) => asTerraformSees(JSON.parse(JSON.stringify(v)) as unknown);

/** Distinct keys that NFC makes equal would be a duplicate key in HCL: such inputs say nothing about us. */
const keysSurviveNfc = (v: unknown): boolean =>
  Array.isArray(v)
    ? v.every(keysSurviveNfc)
    : typeof v === 'object' && v !== null
      ? new Set(Object.keys(v).map((k) => k.normalize('NFC'))).size === Object.keys(v).length &&
        Object.values(v).every(keysSurviveNfc)
      : true;

/** `x = <expr>` through hcl2json and our evaluator (which undoes hcl2json's own `$${`/`%%{` escaping). */
async function readHcl(expr: string, variables: Record<string, Value> = {}, partition?: string): Promise<Value> {
  const parsed = await parseHcl('x.tf', `x = ${expr}\n`);
  return evaluate(parsed['x'], { variables, ...(partition === undefined ? {} : { partition }) });
}

test('hcl round-trips any JSON value through hcl2json', async () => {
  await fc.assert(
    fc.asyncProperty(jsonValue, async (v) => {
      fc.pre(keysSurviveNfc(v));
      const expr = hcl(v);
      assert.equal(await readHcl(expr), normal(v), expr);
    }),
    RUNS,
  );
});

test('hcl round-trips nested values at an indent', async () => {
  await fc.assert(
    fc.asyncProperty(jsonValue, wellFormedText, async (v, s) => {
      fc.pre(keysSurviveNfc({ [s]: v, list: 0 }));
      const expr = `{\n  outer = ${hcl({ [s]: v, list: [v, s] }, '  ')}\n}`;
      assert.equal(await readHcl(expr), { outer: normal({ [s]: v, list: [v, s] }) }, expr);
    }),
    { numRuns: 300 },
  );
});

test('hcl lays values out as terraform fmt does: `=` aligned by group, a multi-line value ends the group', () => {
  if (spawnSync('terraform', ['version']).status !== 0)
    return console.log('  skipped: terraform is not installed (CI has it)');
  const values = fc.sample(jsonValue, { numRuns: 400, seed: 7 });
  const attributes = values.map((v, i): [string, string] => [`v${'x'.repeat(i % 5)}${i}`, hcl(v)]);
  // one file, one terraform fmt: a blank line every 7 attributes starts a fresh group, as in a template
  const text = `${attributes
    .map((_, i) => (i % 7 ? '' : hclAttributes(attributes.slice(i, i + 7))))
    .filter(Boolean)
    .join('\n\n')}\n`;
  const tmp = tempDir();
  try {
    writeFileSync(join(tmp.path, 'values.tf'), text);
    const fmt = spawnSync('terraform', ['fmt', '-check', '-diff', tmp.path], { encoding: 'utf8' });
    assert.is(fmt.status, 0, fmt.stdout || fmt.stderr);
  } finally {
    tmp.cleanup();
  }
});

test('hcl keeps hcl2json escapes apart from interpolations', async () => {
  // hcl2json reports a literal `${` as `$${` and a literal `%{` as `%%{`; an interpolation stays `${…}`
  const parsed = await parseHcl('x.tf', `x = ${hclString('a${b}%{c}$${d}')}\ny = "\${var.v}"\n`);
  assert.is(parsed['x'], 'a$${b}%%{c}$$${d}');
  assert.is(await readHcl(hclString('a${b}%{c}$${d}')), 'a${b}%{c}$${d}');
  assert.is(evaluate(parsed['y'], { variables: { v: 'value' } }), 'value');
});

const PARAM_NAMES = Object.keys(PARAMS) as ParamName[];

test('hcl turns parameter markers into interpolations, whatever the text around them', async () => {
  const part = fc.oneof(
    // a literal `$` just before a marker: hcl2json's output cannot tell `${"$"}${var.x}` from `$${var.x}`,
    // so that case is left out here (no definition in src/core has one)
    wellFormedText.filter((s) => !s.endsWith('$')).map((text) => ({ text })),
    fc.constantFrom(...PARAM_NAMES).map((name) => ({ name })),
  );
  const values = fc.record(
    Object.fromEntries(PARAM_NAMES.map((n) => [n, wellFormedText])) as Record<ParamName, fc.Arbitrary<string>>,
  );
  await fc.assert(
    fc.asyncProperty(fc.array(part, { maxLength: 6 }), values, async (parts, vals) => {
      const source = parts.map((p) => ('name' in p ? param(p.name) : p.text)).join('');
      // literal text is read in NFC; the variables' values come in as they are
      const expected = parts.map((p) => ('name' in p ? vals[p.name] : p.text.normalize('NFC'))).join('');
      const variables: Record<string, Value> = {};
      for (const n of PARAM_NAMES) {
        const expr = paramSpec(n).terraform;
        if (expr.startsWith('var.')) variables[expr.slice(4)] = vals[n]!;
      }
      const partition = vals.partition;
      assert.is(await readHcl(hcl(source), variables, partition), expected, hcl(source));
      assert.equal(await readHcl(hcl({ [source]: [source] }), variables, partition), { [expected]: [expected] });
    }),
    { numRuns: 300 },
  );
});

test.run();
