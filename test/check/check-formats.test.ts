/**
 * `check --format sarif|junit`: the SARIF log validates against Microsoft's SARIF 2.1.0 schema (the copy
 * @microsoft/jest-sarif ships; draft-04, so Ajv's draft-04 class), and the JUnit XML is read back by
 * Python's expat parser, which refuses any malformed document, with hostile text intact.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Finding } from '../../src/core/check/index.ts';
import { RULES } from '../../src/core/check/index.ts';
import { junitReport } from '../../src/render/check-junit.ts';
import { sarifLog } from '../../src/render/check-sarif.ts';
import { xml } from '../../src/render/xml.ts';
import { assertOneLineError } from '../support/cli-helpers.ts';
import { ROOT, runCli } from '../support/fixtures.ts';

const OFFLINE = { PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable', XDG_CACHE_HOME: '/nonexistent-cache' };
const FIXTURES = join(ROOT, 'test/fixtures/check');

const require = createRequire(import.meta.url);
const sarifSchema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;
const Ajv04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
// the formats the schema uses, as RFC 3339 and RFC 3986 define them (no format is left unchecked)
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
// the schema's `language` pattern has a stray `]`, valid only outside regular expressions' unicode mode
const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
ajv.addFormat('uri', (s: string) => URI_REFERENCE.test(s) && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s));
ajv.addFormat('uri-reference', (s: string) => URI_REFERENCE.test(s));
ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s));
const validateSarif = ajv.compile(sarifSchema);

function assertValidSarif(log: unknown, what: string): void {
  const ok = validateSarif(log);
  assert.ok(ok, `${what}: ${JSON.stringify(validateSarif.errors, null, 2)}`);
}

const check = (dir: string, args: string[]) => runCli(['check', dir, ...args], { env: OFFLINE });

const HOSTILE = [
  '<script>&amp;</script>',
  `"double" and 'single' quotes`,
  'ends a CDATA ]]> and <![CDATA[ opens one',
  'controls \u0000\u0001\u0008\u000b\u000c\u001b[31m\u007f tab\tCR\r LF\n end',
  'lone surrogates \ud800 and \udfff, a pair 😀, U+FFFE \ufffe U+FFFF \uffff',
];

const hostileFindings: Finding[] = HOSTILE.map((text, i) => ({
  id: RULES[i % RULES.length]!.id,
  severity: i % 2 ? 'warning' : 'error',
  file: `iam/we ird #${i} %20 ü?.json`,
  ...(i === 0 ? {} : { line: i * 7 }),
  message: text,
  fix: `fix ${text}`,
}));

/** The test suite as Python's expat reads it: every element with its attributes and text. */
function parseXml(text: string): XmlNode {
  const script = `
import json, sys, xml.etree.ElementTree as ET
def node(e): return {"name": e.tag, "attributes": e.attrib, "text": e.text or "", "children": [node(c) for c in e]}
print(json.dumps(node(ET.fromstring(sys.stdin.buffer.read()))))
`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: text, encoding: 'utf8' })) as XmlNode;
}
interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: XmlNode[];
}

/** What XML cannot hold is shown as its escape, as the terminal shows it; everything else comes back as it was. */
const asXmlKeeps = (s: string) =>
  s.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );

test('the SARIF log of every rule fixture validates, with one result per finding at its file and line', () => {
  const dirs = readdirSync(FIXTURES);
  assert.ok(dirs.length > RULES.length, 'a fixture per rule');
  for (const dir of dirs) {
    const json = check(join(FIXTURES, dir), ['--format', 'json']);
    const sarif = check(join(FIXTURES, dir), ['--format', 'sarif']);
    assert.is(sarif.status, json.status, `${dir}: ${sarif.stderr}`);
    const log = JSON.parse(sarif.stdout) as SarifLog;
    assertValidSarif(log, dir);
    const findings = (JSON.parse(json.stdout) as { findings: Finding[] }).findings;
    const run = log.runs[0]!;
    assert.equal(
      run.tool.driver.rules.map((r) => r.id),
      RULES.map((r) => r.id),
    );
    assert.equal(
      run.results.map((r) => [
        r.ruleId,
        run.tool.driver.rules[r.ruleIndex]!.id,
        r.level,
        decodeURIComponent(r.locations[0]!.physicalLocation.artifactLocation.uri),
        r.locations[0]!.physicalLocation.region?.startLine,
        r.message.text,
      ]),
      // the paths as seen from where check ran
      findings.map((f) => [
        f.id,
        f.id,
        f.severity,
        `test/fixtures/check/${dir}/${f.file}`,
        f.line,
        `${f.message}\nfix: ${f.fix}`,
      ]),
      dir,
    );
  }
});

interface SarifLog {
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string; shortDescription: { text: string } }> } };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }>;
      suppressions?: Array<{ kind: string; justification: string }>;
      baselineState?: string;
    }>;
  }>;
}

test('SARIF: hostile file names and messages stay valid (paths percent-encoded), suppressed findings are marked', () => {
  const log = sarifLog({
    findings: hostileFindings.slice(0, 3),
    baseline: { file: 'base"line.json', suppressed: hostileFindings.slice(3) },
    toolVersion: '0.1.0',
  }) as SarifLog;
  assertValidSarif(JSON.parse(JSON.stringify(log)), 'hostile');
  const results = log.runs[0]!.results;
  assert.equal(
    results.map((r) => decodeURIComponent(r.locations[0]!.physicalLocation.artifactLocation.uri)),
    hostileFindings.map((f) => f.file),
  );
  assert.equal(
    results.map((r) => r.baselineState),
    ['new', 'new', 'new', 'unchanged', 'unchanged'],
  );
  assert.equal(results[4]!.suppressions, [{ kind: 'external', justification: 'in the baseline base"line.json' }]);
  // the schema is no formality: an unknown level, a path not encoded, a result without message all fail
  const broken = (change: (r: Record<string, unknown>) => void) => {
    const copy = JSON.parse(JSON.stringify(log)) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    change(copy.runs[0]!.results[0]!);
    return validateSarif(copy);
  };
  assert.not.ok(broken((r) => (r['level'] = 'fatal')));
  assert.not.ok(broken((r) => delete r['message']));
  assert.not.ok(
    broken((r) => {
      (r['locations'] as SarifLog['runs'][0]['results'][0]['locations'])[0]!.physicalLocation.artifactLocation.uri =
        'iam/we ird.json';
    }),
  );
  // without a baseline nothing says new or unchanged
  const plain = sarifLog({ findings: hostileFindings, toolVersion: '0.1.0' }) as SarifLog;
  assert.ok(plain.runs[0]!.results.every((r) => r.baselineState === undefined && r.suppressions === undefined));
});

test('JUnit: one test case per rule, a failure per finding, hostile text read back as written', () => {
  const text = junitReport({
    findings: hostileFindings,
    baseline: { file: 'b&<.json', suppressed: [{ ...hostileFindings[2]!, id: 'policy.broad', message: ']]>' }] },
  });
  const suite = parseXml(text);
  assert.is(suite.name, 'testsuite');
  assert.is(suite.attributes['tests'], String(RULES.length));
  const cases = suite.children;
  assert.equal(
    cases.map((c) => c.attributes['name']),
    RULES.map((r) => r.id),
  );
  const failures = cases.flatMap((c) => c.children.filter((x) => x.name === 'failure').map((x) => ({ c, x })));
  assert.is(failures.length, hostileFindings.length);
  assert.is(suite.attributes['failures'], String(new Set(hostileFindings.map((f) => f.id)).size));
  for (const [i, f] of hostileFindings.entries()) {
    const { c, x } = failures.find(({ x }) => x.text.includes(`fix: fix ${asXmlKeeps(f.message)}`))!;
    assert.is(c.attributes['name'], f.id, `finding ${i}`);
    assert.is(x.attributes['type'], f.severity);
    const at = `${f.file}${f.line === undefined ? '' : `:${f.line}`}`;
    assert.is(x.attributes['message'], asXmlKeeps(`${at}: ${f.message}`), `attribute of finding ${i}`);
    assert.is(x.text, asXmlKeeps(`${at}\n${f.message}\nfix: ${f.fix}`), `text of finding ${i}`);
  }
  const out = cases.find((c) => c.attributes['name'] === 'policy.broad')!.children.find((x) => x.name === 'system-out');
  assert.match(out!.text, 'suppressed by the baseline b&<.json: iam/we ird #2 %20 ü?.json:14: ]]>');
  assert.not.match(text, /]]>/);
});

test('the XML serialiser refuses names it did not choose', () => {
  assert.throws(() => xml({ name: 'a b' }), /not an XML name/);
  assert.throws(() => xml({ name: 'a', attributes: { 'x="1"': 1 } }), /not an XML name/);
});

test('check --format junit on a repository: the document expat reads, failures for its findings, exit 1', () => {
  const r = check(join(FIXTURES, 'tutorial'), ['--format', 'junit']);
  assert.is(r.status, 1, r.stderr);
  const suite = parseXml(r.stdout);
  const failed = suite.children.filter((c) => c.children.some((x) => x.name === 'failure'));
  assert.equal(
    failed.map((c) => c.attributes['name']),
    ['trust.workspace-wide', 'pipeline.outlives-session'],
  );
  assert.is(r.stderr.trim().split('\n').length, 1, 'one line about the missing schema, on stderr');
  assert.match(r.stderr, /^schema: none cached/);
});

test('--format: an unknown format, or --json with another, is one line naming the flag (exit 2)', () => {
  const dir = join(FIXTURES, 'tutorial');
  assertOneLineError(check(dir, ['--format', 'xml']), 2, ['--format xml', 'text, json, sarif, junit']);
  assertOneLineError(check(dir, ['--json', '--format', 'sarif']), 2, ['--json', '--format sarif']);
  const both = check(dir, ['--json', '--format', 'json']);
  assert.is(both.status, 1, both.stderr);
  assert.ok(JSON.parse(both.stdout));
});

test.run();
