/**
 * `check --format junit`: the findings as JUnit XML, for CI test reports (Bitbucket shows failed tests of a
 * step from XML files in a `test-results` folder). One test suite; one test case per rule of the rule table, which fails
 * with one `<failure>` per finding; findings a baseline suppresses are listed in the case's output, not failed.
 */
import { RULES, type Finding } from '../core/check/index.js';
import { xml, type XmlElement } from './xml.js';

export interface JunitInput {
  findings: readonly Finding[];
  baseline?: { file: string; suppressed: readonly Finding[] };
}

const at = (f: Finding) => `${f.file}${f.line === undefined ? '' : `:${f.line}`}`;

function testCase(id: string, findings: readonly Finding[], suppressed: readonly Finding[], baseline?: string) {
  const children: XmlElement[] = findings.map((f) => ({
    name: 'failure',
    attributes: { message: `${at(f)}: ${f.message}`, type: f.severity },
    children: [`${at(f)}\n${f.message}\nfix: ${f.fix}`],
  }));
  if (suppressed.length)
    children.push({
      name: 'system-out',
      children: [suppressed.map((f) => `suppressed by the baseline ${baseline}: ${at(f)}: ${f.message}`).join('\n')],
    });
  return { name: 'testcase', attributes: { classname: 'pipelines-oidc check', name: id, time: 0 }, children };
}

export function junitReport({ findings, baseline }: JunitInput): string {
  const of = (list: readonly Finding[], id: string) => list.filter((f) => f.id === id);
  const cases = RULES.map((r) =>
    testCase(r.id, of(findings, r.id), of(baseline?.suppressed ?? [], r.id), baseline?.file),
  );
  return xml({
    name: 'testsuite',
    attributes: {
      name: 'pipelines-oidc check',
      tests: cases.length,
      failures: RULES.filter((r) => of(findings, r.id).length).length,
      errors: 0,
      skipped: 0,
      time: 0,
    },
    children: cases,
  });
}
