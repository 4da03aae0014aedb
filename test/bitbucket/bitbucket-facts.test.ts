/**
 * Each Bitbucket fact has one home that builds it and recognises it: what a builder writes, its
 * recogniser reads back; what `new` generates, `check` recognises; and no other module spells the
 * shapes again.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  audience,
  braced,
  conditionKey,
  environmentSubPattern,
  hostPathOf,
  isPartition,
  issuerHostPath,
  issuerUrl,
  oidcProviderArn,
  providerArn,
  providerUrl,
  readConditionKey,
  readProviderArn,
  readUuid,
  repositorySubPattern,
  subClaim,
  subParts,
  subScope,
  UUID_PATTERN,
  workspaceOfAudience,
  workspaceOfIssuer,
  workspaceUuidOfAudience,
} from '../../src/core/facts/bitbucket.ts';
import { runChecks, trustFindings } from '../../src/core/check/run-checks.ts';
import { MANAGED_TAG } from '../../src/core/facts/iam-policy.ts';
import { partitionOf, uuid as uuidRule } from '../../src/core/answers/validate.ts';
import { answers, renderRepo, ROOT } from '../support/fixtures.ts';
import { sourceFiles } from '../support/source-scan.ts';

const WORKSPACES = ['phub', 'a', 'team_2-x'];
const UUIDS = ['7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a', 'abcdef01-2345-4678-9abc-def012345678'];
const STEP = '5f0c8b2e-9d41-4c7a-b3e6-2a1d0c9b8e7f';

test('issuer: URL, host/path and the workspace read back', () => {
  for (const w of WORKSPACES) {
    assert.is(workspaceOfIssuer(issuerHostPath(w)), w);
    assert.is(hostPathOf(issuerUrl(w)), issuerHostPath(w));
    assert.is(providerUrl(issuerHostPath(w)), issuerUrl(w));
    assert.is(workspaceOfIssuer(issuerUrl(w)), undefined, 'a host/path has no scheme');
  }
  assert.is(workspaceOfIssuer('token.actions.githubusercontent.com'), undefined);
  assert.is(workspaceOfIssuer(issuerHostPath('a/b')), undefined, 'a workspace is one path segment');
});

test('provider ARN: partition, account and issuer read back, for every partition a region gives', () => {
  for (const region of ['eu-west-1', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1']) {
    const partition = partitionOf(region);
    assert.ok(isPartition(partition), partition);
    for (const w of WORKSPACES) {
      assert.equal(readProviderArn(providerArn(partition, '111122223333', w)), {
        partition,
        account: '111122223333',
        hostPath: issuerHostPath(w),
      });
    }
  }
  assert.equal(readProviderArn(oidcProviderArn('aws', '111122223333', 'example.com/x')), {
    partition: 'aws',
    account: '111122223333',
    hostPath: 'example.com/x',
  });
  assert.is(readProviderArn('arn:aws:iam::1234:oidc-provider/x'), undefined, 'an account has 12 digits');
  assert.is(readProviderArn('arn:aws:iam::111122223333:role/x'), undefined);
  assert.not.ok(isPartition('azure'));
});

test('audience: the workspace UUID reads back, braces only through the lenient reading', () => {
  for (const u of UUIDS) {
    assert.is(workspaceUuidOfAudience(audience(u)), u);
    assert.is(workspaceOfAudience(audience(u)), u);
    assert.is(workspaceUuidOfAudience(audience(braced(u))), undefined, 'braces are not what new writes');
    assert.is(workspaceOfAudience(audience(braced(u))), braced(u));
    assert.is(workspaceUuidOfAudience(audience(u.toUpperCase())), undefined);
    assert.is(workspaceOfAudience(audience(u).toUpperCase()), undefined);
    assert.is(workspaceOfAudience(audience(u).toUpperCase(), true), u.toUpperCase());
  }
});

test('UUID syntax: with and without braces, any case, and the pattern the IaC validates with', () => {
  for (const u of UUIDS) {
    assert.ok(new RegExp(UUID_PATTERN).test(u));
    assert.not.ok(new RegExp(UUID_PATTERN).test(braced(u)));
    assert.equal(readUuid(u), { uuid: u, open: false, close: false, lowerCase: true });
    assert.equal(readUuid(braced(u)), { uuid: u, open: true, close: true, lowerCase: true });
    assert.equal(readUuid(braced(u).toUpperCase()), { uuid: u, open: true, close: true, lowerCase: false });
    assert.equal(readUuid(`{${u}`), { uuid: u, open: true, close: false, lowerCase: true });
    assert.equal(uuidRule(braced(u)), { value: u });
    assert.equal(uuidRule(u.toUpperCase()), { value: u });
    assert.ok('error' in uuidRule(`${u}}`));
  }
  assert.is(readUuid('REPOSITORY-UUID-NOT-SET'), undefined);
  assert.is(readUuid('7a3e5c1d2b4f4e6a9c8d1f2e3d4c5b6a'), undefined);
});

test('sub: patterns and claims name the repository and environment they were built from', () => {
  const [repo, env] = UUIDS as [string, string];
  assert.equal(subScope(repositorySubPattern(repo)), { repoUuid: repo });
  assert.equal(subScope(environmentSubPattern(repo, env)), { repoUuid: repo, environmentUuid: env });
  assert.equal(subScope(subClaim(repo, STEP)), { repoUuid: repo });
  assert.equal(subScope(subClaim(repo, STEP, env)), { repoUuid: repo, environmentUuid: env });
  assert.equal(subParts(repositorySubPattern(repo)), { repo: braced(repo), environment: undefined });
  assert.equal(subParts(environmentSubPattern(repo, env)), { repo: braced(repo), environment: braced(env) });
  assert.equal(subParts(subClaim(repo, STEP, env)), { repo: braced(repo), environment: braced(env) });
  assert.is(subClaim(repo, STEP, env), `{${repo}}:{${env}}:{${STEP}}`);
  assert.equal(subScope(`${repo}:*`), {}, 'without braces it is not what new writes');
});

test('condition keys: issuer and claim read back', () => {
  for (const w of WORKSPACES) {
    for (const claim of ['aud', 'sub'])
      assert.equal(readConditionKey(conditionKey(issuerHostPath(w), claim)), { issuer: issuerHostPath(w), claim });
  }
});

test('check recognises exactly what new generates: no trust finding, and the same identity from the files as from the answers', () => {
  const [repoUuid, envUuid] = UUIDS as [string, string];
  for (const a of [
    answers(),
    answers({ repoUuid, environments: `test=${envUuid},production=${UUIDS[0]}` }),
    answers({ region: 'cn-north-1' }),
  ]) {
    const { model, files } = renderRepo(a);
    const trustPolicies = model.roles.map((r) => ({ file: r.trustFile, text: files.get(r.trustFile)! }));
    for (const f of trustPolicies) assert.equal(trustFindings(f), [], f.file);
    const input = { dir: '.', trustPolicies, permissionPolicies: [], terraform: [], cloudformation: [], unread: [] };
    const fromFiles = runChecks(input, { now: new Date(0) });
    const fromAnswers = runChecks(input, { now: new Date(0), model });
    assert.ok(fromFiles.simulation.length > 0);
    // the answers name the other environments (`environment production`), the files know only their UUIDs
    const rows = (report: typeof fromFiles) =>
      report.simulation.map(({ role: _role, scenario, ...row }) => ({
        ...row,
        scenario: scenario.replace(/^environment .*/, 'another environment'),
      }));
    assert.equal(rows(fromFiles), rows(fromAnswers));
    for (const row of fromFiles.simulation)
      assert.is(row.allowed, row.expected === 'allowed', `${row.role}: ${row.scenario}: ${row.reason}`);
  }
});

test('no module but the facts modules spells a Bitbucket shape, a plain-object guard, policy comparison or the managed-by tag', () => {
  const src = join(ROOT, 'src');
  const home: Record<string, RegExp[]> = {
    'core/facts/bitbucket.ts': [
      /\[0-9a-f-?\]\{(4|8|12|36)\}/i,
      /api\\\.bitbucket/,
      /bitbucket::workspace\\\//,
      /oidc-provider\\\//,
      /pipelines-config\\\//,
      /identity\\\/oidc/,
    ],
    'core/util/json.ts': [/const isObject\b/],
    'core/facts/iam-policy.ts': [/function normalizePolicy\b/, /samePolicy =/, /'managed-by'/],
  };
  for (const file of sourceFiles(src)) {
    const path = relative(src, file);
    const text = readFileSync(file, 'utf8');
    for (const [owner, patterns] of Object.entries(home)) {
      if (path === owner) continue;
      for (const p of patterns) assert.not.ok(p.test(text), `${path} spells ${p} (it belongs to ${owner})`);
    }
  }
});

test('the repository Terraform tags with the same managed-by tag as apply and CloudFormation', () => {
  const main = renderRepo().files.get('terraform/main.tf')!;
  assert.match(main, `tags         = { "${MANAGED_TAG.Key}" = "${MANAGED_TAG.Value}" }`);
});

test.run();
