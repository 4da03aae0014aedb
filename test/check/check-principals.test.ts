/**
 * Trust policies that let in anyone, any account or any identity provider, in every form IAM accepts:
 * an independent evaluator (@cloud-copilot/iam-simulate) confirms that a caller unrelated to the
 * repository gets in, `check` reports `trust.principal` as an error, `apply` refuses the file before any
 * call, and `doctor` names the way in when a live role's trust policy has it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runChecks, type CheckReport } from '../../src/core/check/run-checks.ts';
import { desiredState } from '../../src/core/iam/desired.ts';
import { doctorChecks } from '../../src/core/iam/doctor.ts';
import { UsageError } from '../../src/errors.ts';
import { openRepository } from '../../src/io/repository.ts';
import { ROOT } from '../support/fixtures.ts';
import { assertAllowed, callOnRole, identityPolicy, trustPolicy } from '../support/iam-simulator.ts';

const repo = openRepository({ cwd: ROOT, dir: 'examples/phub-oidc-check' });
const model = repo.model();
const ACCOUNT = model.values.account;
const STRANGER_ACCOUNT = '999999999999';
const STRANGER = `arn:aws:iam::${STRANGER_ACCOUNT}:role/stranger`;
const ROLE = { arn: `arn:aws:iam::${ACCOUNT}:role/pipeline`, account: ACCOUNT };
const TRUST_FILE = model.roles[0]!.trustFile;
const generated = JSON.parse(repo.read(TRUST_FILE)!) as { Version: string; Statement: unknown[] };
const provider = (hostPath: string) => `arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}`;
const GITHUB = provider('token.actions.githubusercontent.com');
const SAML = `arn:aws:iam::${ACCOUNT}:saml-provider/bitbucket`;
const OTHER_WORKSPACE = provider('api.bitbucket.org/2.0/workspaces/someone-else/pipelines-config/identity/oidc');
/** What the stranger's own account lets it do: anything with STS. */
const strangerPolicy = identityPolicy({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }],
});

interface Form {
  name: string;
  statement: Record<string, unknown>;
  /** An unrelated caller the evaluator lets in, and how it calls. */
  caller: { principal: string; action: string; foreign?: boolean };
  /** Only judged with the repository's account and workspace known (from the manifest or the Bitbucket statement). */
  needsScope?: boolean;
}

const assume = (principal: unknown, key = 'Principal') => ({
  Effect: 'Allow',
  [key]: principal,
  Action: 'sts:AssumeRole',
});
const web = (principal: unknown) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'sts:AssumeRoleWithWebIdentity',
});
const stranger = { principal: STRANGER, action: 'sts:AssumeRole', foreign: true };
const github = { principal: GITHUB, action: 'sts:AssumeRoleWithWebIdentity' };

const OPEN: Form[] = [
  { name: '"Principal": "*"', statement: assume('*'), caller: stranger },
  { name: '{"AWS": "*"}', statement: assume({ AWS: '*' }), caller: stranger },
  {
    name: '{"AWS": [a role, "*"]}',
    statement: assume({ AWS: [`arn:aws:iam::${ACCOUNT}:role/ci`, '*'] }),
    caller: stranger,
  },
  {
    name: 'another account by its ID',
    statement: assume({ AWS: STRANGER_ACCOUNT }),
    caller: stranger,
    needsScope: true,
  },
  {
    name: "another account's root",
    statement: assume({ AWS: [`arn:aws:iam::${STRANGER_ACCOUNT}:root`] }),
    caller: stranger,
    needsScope: true,
  },
  { name: 'another identity provider', statement: web({ Federated: GITHUB }), caller: github },
  { name: 'a list with another identity provider', statement: web({ Federated: [GITHUB] }), caller: github },
  {
    name: "another workspace's Bitbucket provider",
    statement: web({ Federated: OTHER_WORKSPACE }),
    caller: { principal: OTHER_WORKSPACE, action: 'sts:AssumeRoleWithWebIdentity' },
    needsScope: true,
  },
  {
    name: 'a SAML provider named like Bitbucket',
    statement: { Effect: 'Allow', Principal: { Federated: SAML }, Action: 'sts:AssumeRoleWithSAML' },
    caller: { principal: SAML, action: 'sts:AssumeRoleWithSAML' },
  },
  {
    name: 'NotPrincipal with Allow',
    statement: assume({ AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, 'NotPrincipal'),
    caller: stranger,
  },
];

/**
 * A wildcard inside a principal: IAM does not read it as a pattern (the evaluator agrees: no caller
 * matches `arn:aws:iam::*:root`), so the policy was written to let everyone in and is refused as such.
 */
const WILDCARDS: Array<Omit<Form, 'caller'>> = [
  { name: 'arn:aws:iam::*:root', statement: assume({ AWS: 'arn:aws:iam::*:root' }) },
  { name: 'a *-bearing role ARN', statement: assume({ AWS: `arn:aws:iam::${STRANGER_ACCOUNT}:role/*` }) },
  { name: '{"Federated": "*"}', statement: web({ Federated: '*' }) },
  { name: 'a *-bearing provider ARN', statement: web({ Federated: provider('*') }) },
  { name: '{"Service": "*"}', statement: assume({ Service: '*' }) },
  { name: '{"Service": "*.amazonaws.com"}', statement: assume({ Service: ['*.amazonaws.com'] }) },
  { name: '{"CanonicalUser": "*"}', statement: assume({ CanonicalUser: '*' }) },
  {
    name: 'NotAction with Allow',
    statement: { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, NotAction: 'sts:TagSession' },
  },
];

const doc = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
/** Beside the generated Bitbucket statement, or alone. */
const besideBitbucket = (s: unknown) => doc([...generated.Statement, s]);

function check(text: string, withModel: boolean): CheckReport {
  return runChecks(
    {
      dir: '.',
      trustPolicies: [{ file: TRUST_FILE, text }],
      permissionPolicies: [],
      terraform: [],
      cloudformation: [],
      unread: [],
    },
    { now: new Date('2026-01-01T00:00:00Z'), ...(withModel ? { model } : {}) },
  );
}

function assertOpenError(report: CheckReport, label: string): void {
  assert.ok(
    report.findings.some((f) => f.id === 'trust.principal' && f.severity === 'error'),
    `${label}: no trust.principal error:\n${report.findings.map((f) => `  ${f.severity} ${f.id} ${f.message}`).join('\n')}`,
  );
  assert.is(report.ok, false, label);
}

function assertApplyRefuses(text: string, label: string): void {
  const read = (file: string) => (file === TRUST_FILE ? text : repo.read(file));
  try {
    desiredState(model, read, { command: 'apply' });
  } catch (e) {
    assert.instance(e, UsageError, label);
    // the first error of the file: a statement for another workspace also lacks this one's conditions
    assert.match((e as Error).message, new RegExp(`^apply: ${TRUST_FILE}: trust\\.[a-z-]+: `), label);
    assert.not.match((e as Error).message, '\n', `${label}: one line`);
    return;
  }
  assert.unreachable(`${label}: apply took the file`);
}

for (const form of OPEN) {
  test(`${form.name}: the evaluator lets a stranger in; check reports it, apply refuses it`, () => {
    for (const text of [doc([form.statement]), besideBitbucket(form.statement)]) {
      const { principal, action, foreign } = form.caller;
      const trust = trustPolicy(JSON.parse(text));
      assertAllowed(callOnRole(trust, ROLE, principal, action, {}, foreign ? strangerPolicy : undefined), form.name);
      assertOpenError(check(text, true), `${form.name} (generated repository)`);
      assertApplyRefuses(text, form.name);
    }
    // a hand-written repository: its account and workspace are those of its Bitbucket provider
    assertOpenError(check(besideBitbucket(form.statement), false), `${form.name} (hand-written)`);
    if (!form.needsScope) assertOpenError(check(doc([form.statement]), false), `${form.name} (hand-written, alone)`);
  });
}

for (const form of WILDCARDS) {
  test(`${form.name}: check reports it, apply refuses it`, () => {
    for (const text of [doc([form.statement]), besideBitbucket(form.statement)]) {
      assertOpenError(check(text, true), form.name);
      assertOpenError(check(text, false), `${form.name} (hand-written)`);
      assertApplyRefuses(text, form.name);
    }
  });
}

test('the generated trust policy, and named principals of the own account, are no error', () => {
  assert.equal(check(doc(generated.Statement), true).findings, []);
  const own = check(besideBitbucket(assume({ AWS: `arn:aws:iam::${ACCOUNT}:role/ci` })), true);
  assert.equal(
    own.findings.filter((f) => f.id !== 'iac.drift').map((f) => [f.id, f.severity]),
    [['trust.principal', 'warning']],
  );
  // a role that is not an OIDC role, assumed by its own account and a service, is its owner's business
  const notOidc = check(doc([assume({ AWS: `${ACCOUNT}`, Service: 'ecs-tasks.amazonaws.com' })]), true);
  assert.equal(
    notOidc.findings.filter((f) => f.id !== 'iac.drift'),
    [],
  );
  // an account pipelines-oidc cannot place: said, not refused
  const unknown = check(doc([assume({ AWS: STRANGER_ACCOUNT })]), false);
  assert.equal(
    unknown.findings.map((f) => [f.id, f.severity]),
    [['trust.principal', 'warning']],
  );
});

test("the simulation shows another identity provider's token let in by an open principal, and kept out otherwise", () => {
  const row = (r: CheckReport) => r.simulation.find((x) => x.scenario === 'a token of another identity provider')!;
  const closed = row(check(doc(generated.Statement), true));
  assert.equal([closed.expected, closed.allowed], ['denied', false]);
  const opened = row(check(besideBitbucket(web({ AWS: '*' })), true));
  assert.equal([opened.expected, opened.allowed], ['denied', true]);
});

test('doctor names the way in when the live trust policy lets anyone in', () => {
  const desired = desiredState(model, repo.read, { command: 'doctor' });
  const role = desired.roles[0]!;
  const live = {
    name: role.name,
    arn: role.arn,
    trustPolicy: JSON.parse(besideBitbucket(assume({ AWS: '*' }))) as unknown,
    maxSessionDuration: 3600,
    tags: {},
    inlinePolicyNames: [role.policyName],
    permissions: role.permissions,
    attached: [],
  };
  const checks = doctorChecks(desired, {
    caller: { account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/me` },
    roles: { [role.name]: live },
  });
  const trust = checks.find((c) => c.id === `role.trust:${role.name}`)!;
  assert.is(trust.ok, false);
  assert.match(trust.detail, '{"AWS": "*"} lets anyone assume the role');
  assert.match(trust.fix ?? '', 'pipelines-oidc apply');
});

test.run();
