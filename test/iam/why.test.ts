/**
 * `why` end to end: the built CLI and the real AWS SDK read CloudTrail's event history from a local
 * endpoint speaking CloudTrail's JSON protocol, with records shaped as the IAM User Guide shows them;
 * each refused attempt is explained by the trust condition of the repository's files that refuses it.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainAttempts, type LookedUpEvent } from '../../src/core/iam/index.ts';
import { audienceOf, readRecord } from '../../src/core/iam/attempts.ts';
import { assertOneLineError, runCliAsync, runNew, unsetting } from '../support/cli-helpers.ts';
import { EXAMPLE, EXAMPLE_ANSWERS_FILE, tempDir } from '../support/fixtures.ts';
import { awsEnv } from '../support/iam-endpoint.ts';
import { startCloudTrailEndpoint, webIdentityRecord, type CloudTrailEndpoint } from '../support/cloudtrail-endpoint.ts';

const tmp = tempDir('pipelines-oidc-why-');
const repo = join(tmp.path, 'phub-oidc-check');
let trail: CloudTrailEndpoint;

const ACCOUNT = EXAMPLE.account;
const STAGING = '11111111-2222-4333-8444-555555555555';
const PRODUCTION = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/api.bitbucket.org/2.0/workspaces/${EXAMPLE.workspace}/pipelines-config/identity/oidc`;
const AUDIENCE = `ari:cloud:bitbucket::workspace/${EXAMPLE.workspaceUuid.replace(/[{}]/g, '')}`;
const OTHER_AUDIENCE = 'ari:cloud:bitbucket::workspace/99999999-8888-4777-8666-555555555555';
const REPO = `{${EXAMPLE.repoUuid.replace(/[{}]/g, '')}}`;
const STEP = '{aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee}';
const role = (environment: string) => `arn:aws:iam::${ACCOUNT}:role/${EXAMPLE.roleName}-${environment}`;
const sub = (environment: string) => `${REPO}:{${environment}}:${STEP}`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** The machine's own AWS settings must not leak in; IAM and STS point nowhere, as why never calls them. */
const cli = (args: string[]) =>
  runCliAsync(args, {
    cwd: tmp.path,
    env: { ...unsetting('AWS_'), ...awsEnv({ url: 'http://127.0.0.1:9' }), AWS_ENDPOINT_URL_CLOUDTRAIL: trail.url },
  });

function seedAttempt(id: string, minutes: number, options: Partial<Parameters<typeof webIdentityRecord>[0]>): void {
  trail.seed({
    eventId: id,
    eventName: 'AssumeRoleWithWebIdentity',
    eventTime: minutesAgo(minutes),
    record: webIdentityRecord({
      time: minutesAgo(minutes),
      roleArn: role('staging'),
      provider: PROVIDER,
      audience: AUDIENCE,
      sub: sub(STAGING),
      region: EXAMPLE.region,
      ...options,
    }),
  });
}

/** Each case the brief names: a wrong environment, a wrong audience, a success, hostile records, another role. */
function seedHistory(): void {
  seedAttempt('wrong-environment', 10, {
    roleArn: role('production'),
    sub: sub(STAGING),
    errorCode: 'AccessDenied',
    errorMessage: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
  });
  seedAttempt('wrong-audience', 20, {
    audience: OTHER_AUDIENCE,
    errorCode: 'InvalidIdentityToken',
    errorMessage: 'Incorrect token audience',
  });
  seedAttempt('success', 30, {});
  seedAttempt('other-role', 40, { roleArn: `arn:aws:iam::${ACCOUNT}:role/someone-else` });
  trail.seed({
    eventId: 'malformed',
    eventName: 'AssumeRoleWithWebIdentity',
    eventTime: minutesAgo(50),
    record: '{"userIdentity": ',
  });
  trail.seed({
    eventId: 'huge',
    eventName: 'AssumeRoleWithWebIdentity',
    eventTime: minutesAgo(60),
    record: JSON.stringify({ padding: 'x'.repeat(300 * 1024) }),
  });
  // outside the default window of 24 hours, and another event name: neither is read
  seedAttempt('last-week', 7 * 24 * 60, { errorCode: 'AccessDenied', errorMessage: 'Not authorized' });
  trail.seed({ eventId: 'assume-role', eventName: 'AssumeRole', eventTime: minutesAgo(5), record: {} });
}

interface Report {
  region: string;
  attempts: Array<{
    eventId: string;
    role: string;
    accepted: boolean;
    errorCode?: string;
    sub?: string;
    aud?: string;
    subEnvironment?: string;
    roleEnvironment?: string;
    reasons: string[];
    verdict: string;
  }>;
  unreadable: Array<{ eventId: string; problem: string }>;
  otherRoles: number;
  truncated: boolean;
}

test.before(async () => {
  trail = await startCloudTrailEndpoint();
  const r = runNew(
    [
      'phub-oidc-check',
      ...['--answers', EXAMPLE_ANSWERS_FILE, '--dir', repo, '--yes', '--no-git'],
      ...['--environment', `staging=${STAGING}`, '--environment', `production=${PRODUCTION}`],
    ],
    tmp.path,
  );
  assert.is(r.status, 0, r.stderr);
});
test.after(async () => {
  await trail.close();
  tmp.cleanup();
});
test.before.each(() => trail.reset());

test('each attempt on the repository roles, explained by the condition that refuses it; pages followed', async () => {
  seedHistory();
  trail.pageSize = 2;
  const r = await cli(['why', repo, '--json']);
  assert.is(r.status, 1, `refused attempts exit 1\n${r.stderr}`);
  assert.is(r.stderr, '');
  const report = JSON.parse(r.stdout) as Report;
  assert.is(report.region, EXAMPLE.region, "the repository's region by default");
  assert.equal(
    report.attempts.map((a) => [a.eventId, a.accepted]),
    [
      ['wrong-environment', false],
      ['wrong-audience', false],
      ['success', true],
    ],
  );
  const [environment, audience, success] = report.attempts;
  assert.is(environment!.role, `${EXAMPLE.roleName}-production`);
  assert.is(environment!.sub, sub(STAGING));
  assert.is(environment!.aud, AUDIENCE, 'the audience read from principalId, colons and all');
  assert.is(environment!.subEnvironment, 'staging');
  assert.is(environment!.roleEnvironment, 'production');
  assert.is(environment!.reasons.length, 1, environment!.reasons.join('\n'));
  assert.match(environment!.reasons[0]!, 'trust policy (iam/production/trust-policy.json)');
  assert.match(
    environment!.reasons[0]!,
    `the token comes from deployment environment {${STAGING}}, the role trusts environment {${PRODUCTION}}`,
  );
  assert.not.match(environment!.reasons.join(' '), /unsigned|signature/);
  assert.is(audience!.errorCode, 'InvalidIdentityToken');
  assert.match(
    audience!.reasons[0]!,
    `audience: the token's aud "${OTHER_AUDIENCE}" is not among the provider's client IDs`,
  );
  assert.equal(success!.reasons, []);
  assert.match(success!.verdict, "accepted, and the repository's files accept these claims too");
  assert.equal(
    report.unreadable.map((u) => u.eventId),
    ['malformed', 'huge'],
  );
  assert.match(report.unreadable[0]!.problem, 'not JSON');
  assert.match(report.unreadable[1]!.problem, "more than CloudTrail's 256 KB limit");
  assert.is(report.otherRoles, 1);
  assert.is(report.truncated, false);

  // 6 events in the window at 2 a page: three calls, each after the first with the token it was given
  const bodies = trail.calls.map((c) => c.body);
  assert.is(bodies.length, 3);
  assert.equal(
    bodies.map((b) => b['NextToken']),
    [undefined, 'page-2', 'page-4'],
  );
  for (const b of bodies) {
    assert.equal(b['LookupAttributes'], [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRoleWithWebIdentity' }]);
    assert.is(b['MaxResults'], 50);
    const window = (b['EndTime'] as number) - (b['StartTime'] as number);
    assert.ok(Math.abs(window - 86_400) < 2, `a window of 24 hours, got ${window} s`);
  }
  assert.equal([...new Set(trail.calls.map((c) => c.signedRegion))], [EXAMPLE.region]);
  // CloudTrail takes two lookups a second: the pages are read at that pace
  const gaps = trail.calls.slice(1).map((c, i) => c.at - trail.calls[i]!.at);
  assert.ok(
    gaps.every((g) => g >= 450),
    `gaps ${gaps.join(', ')} ms`,
  );
});

test('the text names the region read, each attempt and each unreadable event', async () => {
  seedHistory();
  const r = await cli(['why', repo]);
  assert.is(r.status, 1, r.stderr);
  const out = r.stdout;
  assert.match(out, `from CloudTrail's event history in ${EXAMPLE.region} since`);
  assert.match(out, `✗ refused: AccessDenied`);
  assert.match(out, `${EXAMPLE.roleName}-production (the role of production)`);
  assert.match(out, `sub       ${sub(STAGING)} (deployment environment staging)`);
  assert.match(out, `the role trusts environment {${PRODUCTION}}`);
  assert.match(out, '✓ accepted');
  assert.match(out, '! unreadable event malformed: its record is not JSON');
  assert.match(
    out,
    '2 refused, 1 accepted, 2 unreadable; 1 on other roles, not shown (read with cloudtrail:LookupEvents)',
  );
});

test('--region reads another region (the global endpoint records in us-east-1); --since widens the window', async () => {
  seedHistory();
  const r = await cli(['why', repo, '--region', 'us-east-1', '--since', '192h', '--json']);
  assert.is(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.is(report.region, 'us-east-1');
  assert.equal([...new Set(trail.calls.map((c) => c.signedRegion))], ['us-east-1']);
  assert.ok(
    report.attempts.some((a) => a.eventId === 'last-week'),
    'an attempt of a week ago is read',
  );
});

test('no attempt in the window: says where else to look, exit 0', async () => {
  seedAttempt('old', 3 * 24 * 60, {});
  const r = await cli(['why', repo]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, 'No attempt on these roles was recorded in eu-west-1');
  assert.match(r.stdout, 'the global endpoint records in us-east-1');
});

test('without cloudtrail:LookupEvents: one line naming the permission, exit 1', async () => {
  trail.deny();
  const r = await cli(['why', repo]);
  assertOneLineError(r, 1, ['AccessDenied', 'cloudtrail:LookupEvents', EXAMPLE.region]);
  assert.is(r.stdout, '');
});

test('an endpoint that is not CloudTrail: one line naming the endpoint variable; a NextToken that repeats ends the reading', async () => {
  trail.answerRaw(200, '<html>not CloudTrail</html>');
  assertOneLineError(await cli(['why', repo]), 1, [
    'cloudtrail:LookupEvents',
    'not one AWS gives',
    'AWS_ENDPOINT_URL_CLOUDTRAIL',
  ]);
  trail.reset();
  const record = JSON.stringify(
    webIdentityRecord({
      time: minutesAgo(1),
      roleArn: role('staging'),
      provider: PROVIDER,
      audience: AUDIENCE,
      sub: sub(STAGING),
      region: EXAMPLE.region,
    }),
  );
  const page = {
    Events: [{ EventId: 'again', EventTime: Date.now() / 1000, CloudTrailEvent: record }],
    NextToken: 'same',
  };
  trail.answerRaw(200, JSON.stringify(page));
  const r = await cli(['why', repo, '--json']);
  assert.is(r.status, 0, r.stderr);
  assert.is(trail.calls.length, 2, 'the first page, then the token once: not again');
  assert.is((JSON.parse(r.stdout) as Report).attempts.length, 1, 'the event listed twice is one attempt');
});

test('a bad --since or --region, or an extra argument: one line, exit 2, nothing read', async () => {
  for (const args of [
    ['--since', '91d'],
    ['--since', '2161h'],
    ['--since', '0'],
  ]) {
    assertOneLineError(await cli(['why', repo, ...args]), 2, ['--since']);
  }
  assertOneLineError(await cli(['why', repo, '--region', 'eu west 1']), 2, ['--region', 'AWS region code']);
  assertOneLineError(await cli(['why', repo, 'extra']), 2, ['why takes one [dir]']);
  assert.is(trail.calls.length, 0);
});

test('hostile records: every odd shape is reported as unreadable or not judged, none crashes', () => {
  const provider = { url: `https://${PROVIDER.split('oidc-provider/')[1]}`, arn: PROVIDER, clientIds: [AUDIENCE] };
  const roles = [{ arn: role('staging'), name: 'staging-role', file: 'trust.json', trustPolicy: { Statement: [] } }];
  const ok = webIdentityRecord({
    time: minutesAgo(1),
    roleArn: role('staging'),
    provider: PROVIDER,
    audience: AUDIENCE,
    sub: sub(STAGING),
    region: 'eu-west-1',
  });
  const hostile: LookedUpEvent[] = [
    { EventId: 'no-text', CloudTrailEvent: { already: 'an object' } },
    { EventId: 'array', CloudTrailEvent: '[]' },
    { EventId: 'deep', CloudTrailEvent: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
    { EventId: 'no-role', CloudTrailEvent: JSON.stringify({ ...ok, requestParameters: { roleArn: 7 } }) },
    { EventId: 'no-time', CloudTrailEvent: JSON.stringify({ ...ok, eventTime: 'yesterday' }) },
    { EventId: '\u001b[31mred', CloudTrailEvent: 'null' },
  ];
  const odd: LookedUpEvent[] = [
    { EventId: 'identity-string', CloudTrailEvent: JSON.stringify({ ...ok, userIdentity: 'WebIdentityUser' }) },
    {
      EventId: 'principal-mismatch',
      CloudTrailEvent: JSON.stringify({ ...ok, userIdentity: { ...(ok['userIdentity'] as object), principalId: 'x' } }),
    },
  ];
  const report = explainAttempts([...hostile, ...odd], roles, provider, []);
  assert.equal(
    report.unreadable.map((u) => u.eventId),
    ['no-text', 'array', 'deep', 'no-role', 'no-time', '(no event id)'],
  );
  assert.match(report.unreadable[2]!.problem, 'nested');
  assert.equal(
    report.attempts.map((a) => a.verdict),
    [
      "not judged: the record does not show the token's subject, audience, identity provider",
      "not judged: the record does not show the token's audience",
    ],
  );
  assert.ok('problem' in readRecord({ CloudTrailEvent: 'x'.repeat(256 * 1024 + 1) }));
  const unread = explainAttempts(
    [{ EventId: 'e', CloudTrailEvent: JSON.stringify(ok) }],
    [{ ...roles[0]!, trustPolicy: undefined, problem: 'is not valid JSON' }],
    provider,
    [],
  );
  assert.equal(
    unread.attempts.map((a) => [a.accepted, a.verdict]),
    [[true, 'not judged: trust.json is not valid JSON']],
  );
});

test("principalId: the audience is what lies between the provider's ARN and the subject, colons and all", () => {
  const s = sub(STAGING);
  assert.is(audienceOf(`${PROVIDER}:${AUDIENCE}:${s}`, PROVIDER, s), AUDIENCE);
  assert.is(audienceOf(`${PROVIDER}::${s}`, PROVIDER, s), undefined);
  assert.is(audienceOf(`other:${AUDIENCE}:${s}`, PROVIDER, s), undefined);
  assert.is(audienceOf(`${PROVIDER}:${AUDIENCE}:other`, PROVIDER, s), undefined);
});

test.run();
