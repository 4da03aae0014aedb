/**
 * rehearse's authorization of one call by the role's inline policy: its words (the rehearsal report
 * shows them), and where it parts from the engine's own decision — a Deny the engine cannot judge does
 * not stop the call.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { authorize } from '../../src/core/rehearse/authorize.ts';

const BUCKET = 'arn:aws:s3:::site';
const ROLE = 'arn:aws:iam::123456789012:role/task';
const put = { action: 's3:PutObject', resource: `${BUCKET}/index.html`, context: {} };
const passRole = {
  action: 'iam:PassRole',
  resource: ROLE,
  context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
};
const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const upload = { Sid: 'Upload', Effect: 'Allow', Action: ['s3:PutObject', 's3:ListBucket'], Resource: `${BUCKET}/*` };

test('allowed by the first Allow statement that applies, by Sid or by number', () => {
  assert.equal(authorize([policy(upload)], put), { allowed: true, reason: 'allowed by statement "Upload"' });
  const { Sid: _, ...unnamed } = upload;
  assert.equal(authorize([policy({ ...unnamed, Resource: BUCKET }, unnamed)], put), {
    allowed: true,
    reason: 'allowed by statement 2',
  });
});

test('an explicit Deny wins, whatever its place', () => {
  const denyAll = { Effect: 'Deny', Action: 's3:*', NotResource: ROLE };
  assert.equal(authorize([policy(upload, denyAll)], put), {
    allowed: false,
    reason: 'explicitly denied by statement 2',
  });
});

test('nothing allows it: the statement that would, with the call condition keys', () => {
  assert.equal(authorize([policy(upload)], passRole), {
    allowed: false,
    reason: `no statement of the inline policy allows iam:PassRole on ${ROLE}`,
    missing: {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: ROLE,
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
  });
  assert.equal(authorize([], put).missing, { Effect: 'Allow', Action: 's3:PutObject', Resource: put.resource });
});

test('conditions decide; a Deny the engine cannot judge does not stop the call, an Allow it cannot judge allows nothing', () => {
  const pass = (service: string) => ({
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: ROLE,
    Condition: { StringEquals: { 'iam:PassedToService': service } },
  });
  assert.ok(authorize([policy(pass('ecs-tasks.amazonaws.com'))], passRole).allowed);
  assert.not.ok(authorize([policy(pass('lambda.amazonaws.com'))], passRole).allowed);
  const tls = { Bool: { 'aws:SecureTransport': 'false' } };
  assert.ok(authorize([policy(upload, { Effect: 'Deny', Action: '*', Resource: '*', Condition: tls })], put).allowed);
  assert.not.ok(authorize([policy({ ...upload, Condition: tls })], put).allowed);
});

test('an Allow whose condition refuses the call names it, and offers no statement to add', () => {
  const register = {
    Sid: 'Register',
    Effect: 'Allow',
    Action: 'ecs:RegisterTaskDefinition',
    Resource: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:*',
    Condition: { StringNotEquals: { 'ecs:privileged': 'true' } },
  };
  const call = (context: Record<string, string>) => ({
    action: 'ecs:RegisterTaskDefinition',
    resource: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:*',
    context,
  });
  assert.ok(authorize([policy(register)], call({})).allowed);
  assert.equal(authorize([policy(register)], call({ 'ecs:privileged': 'true' })), {
    allowed: false,
    reason:
      'statement "Register" allows ecs:RegisterTaskDefinition on arn:aws:ecs:eu-west-1:123456789012:task-definition/web:* only under its condition, which this call fails: StringNotEquals ecs:privileged: "true" equals "true"',
  });
});

test.run();
