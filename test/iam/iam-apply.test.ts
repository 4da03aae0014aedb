/**
 * `apply` and `doctor` end to end: the built CLI, the real AWS SDK, HTTP to a local IAM endpoint this
 * suite starts (IAM's Query protocol: form-encoded actions, XML answers and error documents).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROVIDER_WRITE_ACTIONS, READ_ACTIONS, ROLE_WRITE_ACTIONS } from '../../src/core/iam/permissions.ts';
import { assertOneLineError, readTree, runCliAsync, runNew } from '../support/cli-helpers.ts';
import { CLI, EXAMPLE, EXAMPLE_ANSWERS_FILE, tempDir } from '../support/fixtures.ts';
import { hasTmux, withTerminal } from '../support/pty.ts';
import { awsEnv, startIamEndpoint, type IamEndpoint } from '../support/iam-endpoint.ts';

const tmp = tempDir('pipelines-oidc-apply-');
const repo = join(tmp.path, 'phub-oidc-check');
const envRepo = join(tmp.path, 'with-environments');
let iam: IamEndpoint;

const ACCOUNT = EXAMPLE.account;
const ROLE = EXAMPLE.roleName;
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/api.bitbucket.org/2.0/workspaces/${EXAMPLE.workspace}/pipelines-config/identity/oidc`;
const AUDIENCE = `ari:cloud:bitbucket::workspace/${EXAMPLE.workspaceUuid}`;
const STAGING = '11111111-2222-4333-8444-555555555555';
const PRODUCTION = '66666666-7777-4888-9999-aaaaaaaaaaaa';

/** The machine's own AWS settings must not leak in; the SDK's Node 20 notice must be ours to silence. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const cleared = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => k.startsWith('AWS_'))
      .map((k) => [k, undefined]),
  );
  return { ...cleared, ...awsEnv(iam), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined, ...extra };
}
const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
  runCliAsync(args, { cwd: tmp.path, env: env(extra) });
const actions = () => iam.calls.map((c) => c.action);
const writes = () => iam.writes().map((c) => c.action);
const trustFile = (dir: string, path = 'iam/trust-policy.json') => JSON.parse(readTree(dir).get(path)!) as unknown;
const permissionsFile = (dir: string, path = 'iam/inline-policy.json') =>
  JSON.parse(readTree(dir).get(path)!) as unknown;
const stored = (doc: unknown) => (typeof doc === 'string' ? JSON.parse(doc) : doc) as unknown;

test.before(async () => {
  iam = await startIamEndpoint({ account: ACCOUNT });
  for (const [dir, extra] of [
    [repo, []],
    [envRepo, ['--environment', `staging=${STAGING}`, '--environment', `production=${PRODUCTION}`]],
  ] as const) {
    const r = runNew(
      ['phub-oidc-check', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', dir, '--yes', '--no-git', ...extra],
      tmp.path,
    );
    assert.is(r.status, 0, r.stderr);
  }
});
test.after(async () => {
  await iam.close();
  tmp.cleanup();
});
test.before.each(() => iam.reset());

test('first apply creates the provider, the role and its inline policy, tagged, exactly as the files say', async () => {
  const r = await cli(['apply', repo, '--yes']);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '', 'nothing on stderr: no SDK notice, no warning');
  assert.equal(writes(), ['CreateOpenIDConnectProvider', 'CreateRole', 'PutRolePolicy']);
  const provider = iam.state.providers.get(PROVIDER_ARN)!;
  assert.ok(provider, 'provider created under the ARN IAM computes');
  assert.equal(provider.clientIds, [AUDIENCE]);
  const create = iam.calls.find((c) => c.action === 'CreateOpenIDConnectProvider')!;
  assert.ok(!('ThumbprintList.member.1' in create.params), 'no thumbprint sent unless asked for');
  assert.is(provider.tags['managed-by'], 'pipelines-oidc');
  const role = iam.state.roles.get(ROLE)!;
  assert.equal(stored(role.trustPolicy), trustFile(repo));
  assert.equal(stored(role.inlinePolicies.get('pipelines-oidc-permissions')), permissionsFile(repo));
  assert.is(role.maxSessionDuration, 3600);
  assert.is(role.tags['managed-by'], 'pipelines-oidc');
  assert.match(r.stdout, `arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
  assert.match(r.stdout, `Repository variable AWS_OIDC_ROLE_ARN = arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
  assert.match(r.stdout, `Repository variable AWS_DEFAULT_REGION = ${EXAMPLE.region}`);
  const reads = actions().slice(0, actions().indexOf('CreateOpenIDConnectProvider'));
  assert.ok(
    reads.every((a) => a.startsWith('Get') || a.startsWith('List')),
    `reads before the first write: ${reads.join(', ')}`,
  );
});

test('a second apply makes zero write calls; doctor then passes every check', async () => {
  assert.is((await cli(['apply', repo, '--yes'])).status, 0);
  iam.reset({ keepState: true });
  const again = await cli(['apply', repo, '--yes']);
  assert.is(again.status, 0, again.stderr);
  assert.equal(writes(), []);
  assert.match(again.stdout, 'Nothing to change');
  const doctor = await cli(['doctor', repo, '--json']);
  assert.is(doctor.status, 0, doctor.stdout);
  const report = JSON.parse(doctor.stdout) as {
    ok: boolean;
    checks: Array<{ id: string; ok: boolean; detail: string; fix: string | null }>;
  };
  assert.is(report.ok, true);
  assert.equal(
    report.checks.map((c) => c.id),
    [
      'credentials.account',
      'provider.exists',
      'provider.audience',
      ...['exists', 'trust', 'policy', 'other-inline-policies', 'managed-policies', 'max-session'].map(
        (w) => `role.${w}:${ROLE}`,
      ),
    ],
  );
  assert.ok(report.checks.every((c) => c.ok && c.fix === null && c.detail));
  assert.equal(writes(), [], 'doctor only reads');
});

test('environments: one role per environment, each trusting its own environment', async () => {
  const r = await cli(['apply', envRepo, '--yes']);
  assert.is(r.status, 0, r.stderr);
  assert.equal(writes(), ['CreateOpenIDConnectProvider', 'CreateRole', 'PutRolePolicy', 'CreateRole', 'PutRolePolicy']);
  for (const [name, uuid] of [
    ['staging', STAGING],
    ['production', PRODUCTION],
  ] as const) {
    const role = iam.state.roles.get(`${ROLE}-${name}`)!;
    assert.equal(stored(role.trustPolicy), trustFile(envRepo, `iam/${name}/trust-policy.json`));
    assert.match(JSON.stringify(stored(role.trustPolicy)), `{${uuid}}:*`);
    assert.match(
      r.stdout,
      `Deployment variable AWS_OIDC_ROLE_ARN = arn:aws:iam::${ACCOUNT}:role/${ROLE}-${name} (environment ${name})`,
    );
  }
});

test('an existing provider for the issuer is reused: the audience is added to its client IDs', async () => {
  iam.seedProvider({
    url: `https://api.bitbucket.org/2.0/workspaces/${EXAMPLE.workspace}/pipelines-config/identity/oidc`,
    clientIds: ['sts.amazonaws.com'],
  });
  const r = await cli(['apply', repo, '--yes']);
  assert.is(r.status, 0, r.stderr);
  assert.equal(writes(), ['AddClientIDToOpenIDConnectProvider', 'CreateRole', 'PutRolePolicy']);
  assert.equal(iam.state.providers.get(PROVIDER_ARN)!.clientIds, ['sts.amazonaws.com', AUDIENCE]);
});

test('--dry-run prints the plan and makes no write call', async () => {
  const r = await cli(['apply', repo, '--dry-run']);
  assert.is(r.status, 0, r.stderr);
  assert.equal(writes(), []);
  assert.match(r.stdout, 'create the OIDC provider');
  assert.match(r.stdout, `create the role ${ROLE}`);
  assert.match(r.stdout, 'Dry run: no change made.');
});

test('trust drift: doctor fails with the fix, apply shows the diff and changes it only when confirmed', async () => {
  assert.is((await cli(['apply', repo, '--yes'])).status, 0);
  const workspaceWide = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`api.bitbucket.org/2.0/workspaces/${EXAMPLE.workspace}/pipelines-config/identity/oidc:aud`]: AUDIENCE,
          },
        },
      },
    ],
  };
  iam.state.roles.get(ROLE)!.trustPolicy = JSON.stringify(workspaceWide);
  iam.reset({ keepState: true });

  const doctor = await cli(['doctor', repo]);
  assert.is(doctor.status, 1);
  assert.match(
    doctor.stdout,
    new RegExp(`✗ role\\.trust:${ROLE}\\s+trust policy differs from iam/trust-policy\\.json`),
  );
  assert.match(doctor.stdout, 'fix: pipelines-oidc apply');
  assert.match(doctor.stdout, /✓ role\.policy:/);

  const unconfirmed = await cli(['apply', repo]);
  assert.is(unconfirmed.status, 2);
  assert.match(unconfirmed.stderr, /pass --yes/);
  assert.match(unconfirmed.stdout, `replace the trust policy of ${ROLE}`);
  assert.match(unconfirmed.stdout, /\+\s+"StringLike": \{/, 'the diff shows the sub condition coming back');
  assert.equal(writes(), []);

  const confirmed = await cli(['apply', repo, '--yes']);
  assert.is(confirmed.status, 0, confirmed.stderr);
  assert.equal(writes(), ['UpdateAssumeRolePolicy']);
  assert.equal(stored(iam.state.roles.get(ROLE)!.trustPolicy), trustFile(repo));
});

test('doctor flags an attached AdministratorAccess and a missing audience, with the commands that fix them', async () => {
  assert.is((await cli(['apply', repo, '--yes'])).status, 0);
  iam.state.roles
    .get(ROLE)!
    .attached.push({ name: 'AdministratorAccess', arn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  iam.state.providers.get(PROVIDER_ARN)!.clientIds = ['ari:cloud:bitbucket::workspace/{' + EXAMPLE.workspaceUuid + '}'];
  const r = await cli(['doctor', repo, '--json']);
  assert.is(r.status, 1);
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    checks: Array<{ id: string; ok: boolean; fix: string | null }>;
  };
  assert.is(report.ok, false);
  assert.equal(
    report.checks.filter((c) => !c.ok).map((c) => [c.id, c.fix]),
    [
      ['provider.audience', 'pipelines-oidc apply'],
      [
        `role.managed-policies:${ROLE}`,
        `aws iam detach-role-policy --role-name ${ROLE} --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`,
      ],
    ],
  );
  iam.reset({ keepState: true });
  const apply = await cli(['apply', repo, '--yes']);
  assert.is(apply.status, 0, apply.stderr);
  assert.equal(writes(), ['AddClientIDToOpenIDConnectProvider'], 'apply adds the audience and detaches nothing');
  assert.match(apply.stdout, 'AdministratorAccess attached: apply never detaches');
});

test('on a terminal apply asks first: a replaced trust policy defaults to no, and no means no change', async () => {
  if (!hasTmux()) {
    console.log('  (skipped: tmux is not installed)');
    return;
  }
  assert.is((await cli(['apply', repo, '--yes'])).status, 0);
  iam.state.roles.get(ROLE)!.trustPolicy = '{"Version":"2012-10-17","Statement":[]}';
  iam.reset({ keepState: true });
  const declined = await withTerminal(
    [process.execPath, CLI, 'apply', repo],
    { cwd: tmp.path, env: env({ NO_COLOR: '1' }) },
    async (t) => {
      await t.waitFor(/Make 1 change in account \d+\? \(y\/N\)/);
      t.press('Enter');
      return t.exitCode();
    },
  );
  assert.is(declined, 130);
  assert.equal(writes(), []);
  const accepted = await withTerminal(
    [process.execPath, CLI, 'apply', repo],
    { cwd: tmp.path, env: env({ NO_COLOR: '1' }) },
    async (t) => {
      await t.waitFor('(y/N)');
      t.type('y');
      t.press('Enter');
      const code = await t.exitCode();
      assert.match(t.screen(), `✔ replace the trust policy of ${ROLE}`);
      return code;
    },
  );
  assert.is(accepted, 0);
  assert.equal(writes(), ['UpdateAssumeRolePolicy']);
});

test('AccessDenied names the missing permission, keeps what was done, and a second run finishes the job', async () => {
  iam.deny('CreateRole');
  const r = await cli(['apply', repo, '--yes']);
  assertOneLineError(r, 1, ['AccessDenied', 'iam:CreateRole', '1 of 3 changes made', 'run apply again'], {
    quiet: false,
  });
  assert.equal(writes(), ['CreateOpenIDConnectProvider', 'CreateRole']);
  iam.reset({ keepState: true });
  const again = await cli(['apply', repo, '--yes']);
  assert.is(again.status, 0, again.stderr);
  assert.equal(writes(), ['CreateRole', 'PutRolePolicy']);
});

test('throttling: the SDK retries; when IAM keeps throttling, one line says so and a later run finishes', async () => {
  iam.throttle('CreateRole', 2);
  const retried = await cli(['apply', repo, '--yes']);
  assert.is(retried.status, 0, retried.stderr);
  assert.equal(writes().filter((a) => a === 'CreateRole').length, 3, 'two throttled attempts, then success');
  iam.reset();
  iam.throttle('PutRolePolicy', 10);
  const gaveUp = await cli(['apply', repo, '--yes'], { AWS_MAX_ATTEMPTS: '2' });
  assertOneLineError(gaveUp, 1, ['throttling', 'iam:PutRolePolicy', '2 of 3 changes made'], { quiet: false });
  iam.reset({ keepState: true });
  const again = await cli(['apply', repo, '--yes']);
  assert.is(again.status, 0, again.stderr);
  assert.equal(writes(), ['PutRolePolicy']);
});

test('EntityAlreadyExists race: the same role created meanwhile is taken; a different one stops apply', async () => {
  iam.beforeNext('CreateRole', () => iam.seedRole({ name: ROLE, trustPolicy: trustFile(repo) }));
  const same = await cli(['apply', repo, '--yes']);
  assert.is(same.status, 0, same.stderr);
  assert.equal(writes(), ['CreateOpenIDConnectProvider', 'CreateRole', 'PutRolePolicy']);
  assert.equal(
    stored(iam.state.roles.get(ROLE)!.inlinePolicies.get('pipelines-oidc-permissions')),
    permissionsFile(repo),
  );

  iam.reset();
  iam.beforeNext('CreateRole', () =>
    iam.seedRole({ name: ROLE.toUpperCase(), trustPolicy: { Version: '2012-10-17', Statement: [] } }),
  );
  const other = await cli(['apply', repo, '--yes']);
  assertOneLineError(other, 1, [`role ${ROLE} was created by someone else meanwhile`, 'run apply again'], {
    quiet: false,
  });
});

test('no credentials, or credentials of another account: one line, no write', async () => {
  const none = await cli(['doctor', repo], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
  assertOneLineError(none, 1, ['no AWS credentials found', '--profile']);
  assert.equal(iam.calls, []);
  const other = await startIamEndpoint({ account: '999999999999' });
  try {
    const r = await runCliAsync(['apply', repo, '--yes'], {
      cwd: tmp.path,
      env: { ...env(), ...awsEnv(other), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
    });
    assertOneLineError(r, 1, ['are for account 999999999999', `the repository is for ${ACCOUNT}`], { quiet: false });
    assert.equal(other.writes(), []);
  } finally {
    await other.close();
  }
});

test('--profile picks the profile from the shared files, and AWS_ENDPOINT_URL alone reaches IAM and STS', async () => {
  const config = join(tmp.path, 'aws-config');
  const credentials = join(tmp.path, 'aws-credentials');
  writeFileSync(config, '[profile deploy-admin]\nregion = eu-west-1\n');
  writeFileSync(
    credentials,
    '[deploy-admin]\naws_access_key_id = AKIDPROFILEDEPLOY\naws_secret_access_key = profile-secret\n',
  );
  const r = await cli(['doctor', repo, '--profile', 'deploy-admin'], {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_ENDPOINT_URL_IAM: undefined,
    AWS_ENDPOINT_URL_STS: undefined,
    AWS_ENDPOINT_URL: iam.url,
  });
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stdout, '✗ provider.exists');
  assert.ok(iam.calls.length >= 3);
  assert.ok(
    iam.calls.every((c) => c.accessKeyId === 'AKIDPROFILEDEPLOY'),
    'every call signed with the profile’s key',
  );
  const unknown = await cli(['doctor', repo, '--profile', 'nobody'], {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
  });
  assertOneLineError(unknown, 1, ['no AWS credentials found']);
});

test('a repository not ready is refused with exit 2 before any call', async () => {
  const unset = join(tmp.path, 'no-uuid');
  const made = runNew(
    ['no-uuid', '--answers', EXAMPLE_ANSWERS_FILE, '--repo-uuid', '', '--dir', unset, '--yes', '--no-git'],
    tmp.path,
  );
  assert.is(made.status, 0, made.stderr);
  assertOneLineError(await cli(['apply', unset, '--yes']), 2, [
    'iam/trust-policy.json still holds REPOSITORY-UUID-NOT-SET',
    '--repo-uuid',
  ]);
  assertOneLineError(await cli(['apply', repo, '--thumbprint', 'xyz']), 2, ['--thumbprint', '40 hexadecimal']);
  assertOneLineError(await cli(['doctor', tmp.path]), 1, ['has no .pipelines-oidc.json']);
  const manifest = join(unset, '.pipelines-oidc.json');
  const good = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifest, JSON.stringify({ ...good, gallery: 42 }));
  for (const command of ['apply', 'doctor']) {
    assertOneLineError(await cli([command, 'no-uuid']), 2, [
      'no-uuid/.pipelines-oidc.json: "gallery" must be a string',
    ]);
  }
  writeFileSync(manifest, JSON.stringify({ ...good, answers: { ...(good['answers'] as object), region: 'mars-1' } }));
  assertOneLineError(await cli(['doctor', 'no-uuid']), 2, ['--region (from no-uuid/.pipelines-oidc.json)']);
  assert.equal(iam.calls, []);
});

test('a trust policy that lets anyone in is refused by apply and doctor with exit 2 before any call', async () => {
  const open = join(tmp.path, 'open-trust');
  assert.is(
    runNew(['open-trust', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', open, '--yes', '--no-git'], tmp.path).status,
    0,
  );
  writeFileSync(
    join(open, 'iam/trust-policy.json'),
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
    }),
  );
  for (const command of ['apply', 'doctor'])
    assertOneLineError(await cli([command, 'open-trust', ...(command === 'apply' ? ['--yes'] : [])]), 2, [
      `${command}: iam/trust-policy.json: trust.principal:`,
      '{"AWS": "*"} lets anyone assume the role',
    ]);
  assert.equal(iam.calls, []);
});

test('without IaC, the next steps name apply for the new repository, and that command works as printed', async () => {
  const made = runNew(
    ['plain', '--answers', EXAMPLE_ANSWERS_FILE, '--iac', 'none', '--yes', '--no-git', '--json'],
    tmp.path,
  );
  assert.is(made.status, 0, made.stderr);
  const { next } = JSON.parse(made.stdout) as { next: string[] };
  const step = next.find((s) => s.includes('pipelines-oidc apply'));
  assert.ok(step, next.join('\n'));
  const args = /pipelines-oidc (apply \S+)/.exec(step!)![1]!.split(' ');
  assert.equal(args, ['apply', 'plain']);
  const r = await cli([...args, '--yes']);
  assert.is(r.status, 0, r.stderr);
  assert.equal(writes(), ['CreateOpenIDConnectProvider', 'CreateRole', 'PutRolePolicy']);
  assert.match(readTree(join(tmp.path, 'plain')).get('README.md')!, 'pipelines-oidc apply');
});

test('every call apply and doctor make is in the permissions the README lists (or needs none)', async () => {
  iam.seedProvider({
    url: `https://api.bitbucket.org/2.0/workspaces/${EXAMPLE.workspace}/pipelines-config/identity/oidc`,
    clientIds: [],
  });
  for (const args of [
    ['apply', envRepo, '--yes', '--thumbprint', 'a031c46782e6e6c662c2c87c76da9aa62ccabd8e'],
    ['doctor', envRepo],
  ])
    assert.is((await cli(args)).status, 0);
  iam.state.roles.get(`${ROLE}-staging`)!.trustPolicy = '{"Version":"2012-10-17","Statement":[]}';
  iam.state.roles.get(`${ROLE}-staging`)!.maxSessionDuration = 7200;
  assert.is((await cli(['apply', envRepo, '--yes'])).status, 0);
  const allowed = new Set(
    [...READ_ACTIONS, ...PROVIDER_WRITE_ACTIONS, ...ROLE_WRITE_ACTIONS].map((a) => a.replace('iam:', '')),
  );
  const made = new Set(actions());
  for (const a of made) assert.ok(allowed.has(a) || a === 'GetCallerIdentity', `${a} is in the README's policy`);
  for (const a of [
    'UpdateOpenIDConnectProviderThumbprint',
    'AddClientIDToOpenIDConnectProvider',
    'UpdateAssumeRolePolicy',
    'UpdateRole',
  ])
    assert.ok(made.has(a), `the suite exercised ${a}`);
});

test.run();
