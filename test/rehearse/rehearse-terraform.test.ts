/**
 * The generated Terraform with the real terraform and the AWS provider from the local filesystem mirror,
 * applied to moto_server: init, validate, apply, then a plan without changes; `doctor` against the same
 * emulator finds it in order, and `rehearse --live` passes with the roles Terraform created.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startMoto } from '../../src/io/rehearse/moto.ts';
import { runNew } from '../support/cli-helpers.ts';
import { CLI, exampleAnswerFlags, runCli, tempDir, WORKSHOP_FLAGS } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

/** Where the provider mirror of this machine (and CI's) lives: TF_PROVIDER_MIRROR overrides it. */
const MIRROR = process.env['TF_PROVIDER_MIRROR'] ?? '/opt/tf-plugins';
const ANSWERS = [...exampleAnswerFlags({ iac: 'terraform' }), '--no-git', '--yes'];

test('terraform init (mirror), validate, apply against moto, then plan shows no changes; doctor reports ok; rehearse --live passes', async () => {
  if (
    !hasTool('terraform', 'https://developer.hashicorp.com/terraform/install') ||
    !hasTool('moto_server', "pip install 'moto[server]'")
  )
    return;
  if (!existsSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws'))) {
    if (process.env['CI'] === 'true')
      assert.unreachable(`no hashicorp/aws provider mirror at ${MIRROR} (set TF_PROVIDER_MIRROR)`);
    process.stdout.write(`\n  skipped: no hashicorp/aws provider mirror at ${MIRROR} (set TF_PROVIDER_MIRROR)\n`);
    return;
  }
  const parent = tempDir().path;
  const dir = join(parent, 'repo');
  const made = runNew(
    [
      'terraformed',
      ...ANSWERS,
      '--target',
      'sts-check,s3-static-site',
      '--site-bucket',
      'www.example.com',
      '--environment',
      'test=11111111-2222-4333-8444-555555555555',
      '--dir',
      dir,
    ],
    parent,
  );
  assert.is(made.status, 0, made.stderr);
  const cliConfig = join(parent, 'terraform.rc');
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(MIRROR)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
  );
  const moto = await startMoto('123456789012');
  try {
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: 'AKIA123456789012TERRAFORM',
      AWS_SECRET_ACCESS_KEY: 'rehearsal',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(parent, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(parent, 'none'),
    } as NodeJS.ProcessEnv;
    const tf = (...args: string[]) =>
      spawnSync('terraform', [`-chdir=${join(dir, 'terraform')}`, ...args], { encoding: 'utf8', env });
    const init = tf('init', '-input=false', '-no-color');
    assert.is(init.status, 0, init.stdout + init.stderr);
    assert.match(init.stdout, /hashicorp\/aws v5\.100/);
    const validate = tf('validate', '-no-color');
    assert.is(validate.status, 0, validate.stdout + validate.stderr);
    const apply = tf('apply', '-input=false', '-auto-approve', '-no-color');
    assert.is(apply.status, 0, apply.stdout + apply.stderr);
    const plan = tf('plan', '-input=false', '-detailed-exitcode', '-no-color');
    assert.is(plan.status, 0, `plan after apply wants changes:\n${plan.stdout}${plan.stderr}`);

    const doctor = spawnSync(process.execPath, [CLI, 'doctor', dir, '--json'], {
      encoding: 'utf8',
      env: { ...env, NO_COLOR: '1' },
    });
    assert.is(doctor.status, 0, doctor.stdout + doctor.stderr);
    assert.is((JSON.parse(doctor.stdout) as { ok: boolean }).ok, true);

    // the target's bucket is not Terraform's to create: rehearse --live uses what exists
    const bucket = spawnSync('aws', ['s3', 'mb', 's3://www.example.com'], {
      encoding: 'utf8',
      env: { ...env, AWS_DEFAULT_REGION: 'eu-west-1' },
    });
    assert.is(bucket.status, 0, bucket.stderr);
    const live = spawnSync(process.execPath, [CLI, 'rehearse', dir, '--live', '--endpoint', moto.url, '--json'], {
      encoding: 'utf8',
      env: { ...env, NO_COLOR: '1' },
    });
    const report = JSON.parse(live.stdout || '{}') as {
      ok?: boolean;
      runs?: Array<{ steps: Array<{ name: string; ok: boolean; output: string }> }>;
    };
    assert.is(
      report.ok,
      true,
      live.stderr +
        JSON.stringify(
          report.runs?.flatMap((r) => r.steps.filter((s) => !s.ok)),
          null,
          2,
        ),
    );
    assert.is(live.status, 0);
  } finally {
    await moto.stop();
  }
});

test("a workshop's Terraform refuses, at plan, a role whose repository has no UUID yet; with the UUID it plans", async () => {
  if (
    !hasTool('terraform', 'https://developer.hashicorp.com/terraform/install') ||
    !hasTool('moto_server', "pip install 'moto[server]'") ||
    !existsSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws'))
  )
    return;
  const moto = await startMoto('123456789012');
  const parent = tempDir().path;
  const cliConfig = join(parent, 'terraform.rc');
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(MIRROR)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
  );
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    AWS_ACCESS_KEY_ID: 'AKIA123456789012TERRAFORM',
    AWS_SECRET_ACCESS_KEY: 'workshop',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: join(parent, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(parent, 'none'),
    AWS_ENDPOINT_URL: moto.url,
  } as NodeJS.ProcessEnv;
  const plan = (roster: string) => {
    writeFileSync(join(parent, 'roster.csv'), roster);
    const made = runCli(['workshop', '--roster', 'roster.csv', '--out', 'out', ...WORKSHOP_FLAGS, '--yes', '--force'], {
      cwd: parent,
    });
    assert.is(made.status, 0, made.stderr);
    const dir = join(parent, 'out/facilitator/terraform');
    const tf = (...args: string[]) => spawnSync('terraform', [`-chdir=${dir}`, ...args], { encoding: 'utf8', env });
    const init = tf('init', '-input=false', '-no-color');
    assert.is(init.status, 0, init.stdout + init.stderr);
    return { made, plan: tf('plan', '-input=false', '-refresh=false', '-no-color', '-lock=false') };
  };
  try {
    const unset = plan('attendee\nAda\n');
    assert.match(unset.made.stdout, 'without its UUID yet (ada): its roles trust no pipeline');
    assert.match(unset.made.stdout, /2\. Put each repository's UUID .* run this workshop command again/);
    assert.is.not(unset.plan.status, 0, unset.plan.stdout);
    assert.match(unset.plan.stderr.replace(/\s+/g, ' '), 'the repository UUID of ada is not set');
    const set = plan('attendee,repo_uuid\nAda,aaaaaaaa-0000-4000-8000-000000000001\n');
    assert.not.match(set.made.stdout, 'trust no pipeline');
    assert.is(set.plan.status, 0, set.plan.stdout + set.plan.stderr);
  } finally {
    await moto.stop();
  }
});

test.run();
