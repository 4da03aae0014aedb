/**
 * The IAM side's CloudFormation command fits the template's size: up to 51,200 bytes `aws cloudformation
 * deploy` sends the template inline, above that it refuses without `--s3-bucket`. Each printed command is run
 * as printed by the real AWS CLI against moto_server; the limit is held to the AWS CLI's at its boundary.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { INLINE_TEMPLATE_LIMIT, needsTemplateBucket, TEMPLATE_BUCKET_PLACEHOLDER } from '../../src/core/facts/index.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { startMoto, type Emulator } from '../../src/io/rehearse/moto.ts';
import { onlyJson, runNew } from '../support/cli-helpers.ts';
import { exampleAnswerFlags, runCli, tempDir } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

const ACCOUNT = '123456789012';
const SIX = ['dev', 'test', 'qa', 'staging', 'preprod', 'production'];
const sixEnvironments = SIX.flatMap((e, i) => ['--environment', `${e}=1a2b3c4d-000${i}-4a00-8000-00000000000${i}`]);
const everyTargetPerEnvironment = [
  ...['--target', BUILT_IN_TARGETS.map((t) => t.id).join(',')],
  ...BUILT_IN_TARGETS.flatMap((t) => t.questions)
    .filter((q, i, all) => all.findIndex((x) => x.flag === q.flag) === i)
    .flatMap((q) =>
      q.perEnvironment ? SIX.flatMap((e) => [`--${q.flag}.${e}`, q.example]) : [`--${q.flag}`, q.example],
    ),
];

const tmp = tempDir();
let moto: Emulator | undefined;
const ready = () => hasTool('moto_server', "pip install 'moto[server]'") && hasTool('aws', 'pip install awscli');

/** `new --json` in a folder of its own: the folder and the deploy command of its IAM step. */
function generate(name: string, flags: string[]): { dir: string; deploy: string } {
  const r = runNew(
    [name, ...exampleAnswerFlags({ iac: 'cloudformation' }), '--no-git', '--yes', '--json', ...flags],
    tmp.path,
  );
  assert.is(r.status, 0, r.stderr);
  const next = (onlyJson(r) as { next: string[] }).next;
  const step = next.find((s) => s.includes('aws cloudformation deploy'));
  assert.ok(step, next.join('\n'));
  return { dir: join(tmp.path, name), deploy: step.slice(step.indexOf('run: ') + 'run: '.length) };
}

/**
 * A command as the user runs it, against moto (credentials made up); `localhost` because moto reads a
 * TemplateURL's bucket from the path only for that host.
 */
function run(command: string): { status: number | null; output: string } {
  const r = spawnSync('sh', ['-c', command], {
    cwd: tmp.path,
    encoding: 'utf8',
    env: {
      PATH: process.env['PATH'],
      HOME: tmp.path,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL: moto!.url.replace('127.0.0.1', 'localhost'),
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

const bucket = 'templates-of-mine';
const withBucket = (deploy: string) => deploy.replace(`'${TEMPLATE_BUCKET_PLACEHOLDER}'`, bucket);
const rolesCreated = () =>
  JSON.parse(run('aws iam list-roles --region eu-west-1 --output json').output) as {
    Roles: Array<{ RoleName: string }>;
  };

test.before(async () => {
  if (!ready()) return;
  moto = await startMoto(ACCOUNT);
  const made = run(
    `aws s3api create-bucket --region eu-west-1 --bucket ${bucket} --create-bucket-configuration LocationConstraint=eu-west-1`,
  );
  assert.is(made.status, 0, made.output);
});

test('six environments and every target: new prints the deploy with --s3-bucket and says why, the README too, and it deploys', () => {
  const { dir, deploy } = generate('six', [...sixEnvironments, ...everyTargetPerEnvironment]);
  assert.ok(deploy.endsWith(` --s3-bucket '${TEMPLATE_BUCKET_PLACEHOLDER}'`), deploy);
  const template = readFileSync(join(dir, 'cloudformation/oidc-role.yaml'), 'utf8');
  assert.ok(needsTemplateBucket(template));
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  assert.match(readme, `--s3-bucket '${TEMPLATE_BUCKET_PLACEHOLDER}'`);
  assert.match(readme, `more than the 51,200 CloudFormation takes inline`);
  if (!moto) return;
  // as it was printed before: the AWS CLI refuses before any request
  const inline = run(deploy.replace(/ --s3-bucket .*$/, ''));
  assert.is.not(inline.status, 0);
  assert.match(inline.output, 'must be deployed via an S3 Bucket');
  const deployed = run(withBucket(deploy));
  assert.is(deployed.status, 0, deployed.output);
  const roles = rolesCreated().Roles.map((r) => r.RoleName);
  for (const e of SIX) assert.ok(roles.includes(`bitbucket-six-${e}`), roles.join(' '));
});

test('a repository of one role keeps the plain command, and it deploys inline', () => {
  const { dir, deploy } = generate('plain', []);
  assert.not.match(deploy, '--s3-bucket');
  assert.not.match(readFileSync(join(dir, 'README.md'), 'utf8'), '--s3-bucket');
  if (!moto) return;
  const deployed = run(deploy);
  assert.is(deployed.status, 0, deployed.output);
  assert.ok(rolesCreated().Roles.some((r) => r.RoleName === 'bitbucket-plain'));
});

test('update to six environments and every target: the IAM step it prints names the bucket', () => {
  const { dir } = generate('grown', []);
  const r = runCli(['update', '--dir', dir, '--yes', '--json', ...sixEnvironments, ...everyTargetPerEnvironment], {
    cwd: tmp.path,
  });
  assert.is(r.status, 0, r.stderr);
  const next = (onlyJson(r) as { next: string[] }).next;
  const step = next.find((s) => s.includes('aws cloudformation deploy')) ?? '';
  assert.ok(
    step.startsWith('Apply the IAM side again (its trust or inline policy changed). cloudformation/oidc-role.yaml is '),
    next.join('\n'),
  );
  assert.ok(step.endsWith(`--s3-bucket '${TEMPLATE_BUCKET_PLACEHOLDER}'`), step);
});

test("the limit is the AWS CLI's: a template of 51,200 bytes deploys inline, one byte more needs a bucket", () => {
  // a multi-byte character in the padding: the limit counts bytes, not characters
  const head = 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n# padding é\n';
  const sized = (bytes: number) => `${head}#${'x'.repeat(bytes - Buffer.byteLength(head) - 2)}\n`;
  const fits = sized(INLINE_TEMPLATE_LIMIT);
  const over = sized(INLINE_TEMPLATE_LIMIT + 1);
  assert.is(Buffer.byteLength(fits), 51_200);
  assert.is(needsTemplateBucket(fits), false);
  assert.is(needsTemplateBucket(over), true);
  if (!moto) return;
  writeFileSync(join(tmp.path, 'fits.yaml'), fits);
  writeFileSync(join(tmp.path, 'over.yaml'), over);
  const deploy = (file: string, stack: string) =>
    run(`aws cloudformation deploy --region eu-west-1 --stack-name ${stack} --template-file ${file}`);
  const inline = deploy('fits.yaml', 'fits');
  assert.is(inline.status, 0, inline.output);
  const refused = deploy('over.yaml', 'over');
  assert.is.not(refused.status, 0);
  assert.match(refused.output, 'must be deployed via an S3 Bucket');
});

test.after(async () => {
  await moto?.stop();
  tmp.cleanup();
});
test.run();
