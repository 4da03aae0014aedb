/**
 * The IAM engine on identity (inline) policies, one rule at a time, as AWS documents them: an explicit
 * Deny wins, an Allow must match Action and Resource and its conditions, NotAction and NotResource grant
 * by what they leave out, and what the engine does not judge is a denial it says it cannot decide.
 * Also the small helpers check's rules share: action patterns, "does this Allow name the action", and
 * condition values compared as their operator compares.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  actionMatches,
  conditionValueMatches,
  evaluateIdentity,
  explainIdentity,
  statementAllows,
  type IdentityRequest,
} from '../../src/core/iam-eval/index.ts';

const OBJECT = 'arn:aws:s3:::site/index.html';
const ROLE = 'arn:aws:iam::123456789012:role/app';
const req = (o: Partial<IdentityRequest> = {}): IdentityRequest => ({
  action: 's3:PutObject',
  resource: OBJECT,
  context: {},
  ...o,
});
const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const allow = (o: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Action: 's3:PutObject',
  Resource: 'arn:aws:s3:::site/*',
  ...o,
});
const deny = (o: Record<string, unknown> = {}) => allow({ Effect: 'Deny', ...o });

test('an Allow whose Action and Resource match allows, naming the statement', () => {
  const d = explainIdentity([policy(allow({ Sid: 'Upload' }))], req());
  assert.equal(
    { allowed: d.allowed, indeterminate: d.indeterminate, reasons: d.reasons, by: d.allowedBy },
    { allowed: true, indeterminate: false, reasons: ['allowed by statement "Upload"'], by: 'statement "Upload"' },
  );
});

test('a denial names each Allow statement and its first failing check', () => {
  assert.equal(evaluateIdentity([policy(allow())], req({ resource: 'arn:aws:s3:::other/index.html' })), {
    allowed: false,
    reasons: ['Resource: "arn:aws:s3:::other/index.html" does not match "arn:aws:s3:::site/*"'],
  });
  assert.equal(evaluateIdentity([policy(allow(), allow({ Action: 's3:Get*' }))], req({ action: 's3:DeleteObject' })), {
    allowed: false,
    reasons: [
      'statement 1: Action: "s3:DeleteObject" does not match "s3:PutObject"',
      'statement 2: Action: "s3:DeleteObject" does not match "s3:Get*"',
    ],
  });
  assert.equal(evaluateIdentity([policy(deny())], req()).reasons, ['explicitly denied by statement 1 (Deny)']);
  assert.equal(evaluateIdentity([], req()).reasons, ['no Allow statement: nothing grants s3:PutObject']);
});

test('an explicit Deny wins over any Allow, in whichever order and policy', () => {
  const d = explainIdentity([policy(allow({ Resource: '*' })), policy(deny({ Sid: 'NoSite' }))], req());
  assert.is(d.allowed, false);
  assert.is(d.deniedBy, 'statement "NoSite"');
  assert.is(d.indeterminate, false);
  // statements are numbered across the policies
  const n = explainIdentity([policy(allow({ Action: 's3:Get*' })), policy(allow())], req());
  assert.is(n.allowedBy, 'statement 2');
});

test('Action: IAM wildcards in the action name, service and name in any case', () => {
  for (const Action of ['s3:*', '*', 'S3:putobject', 's3:Put*', 's3:P?tObject', ['s3:GetObject', 's3:PutObj*']])
    assert.ok(evaluateIdentity([policy(allow({ Action }))], req()).allowed, JSON.stringify(Action));
  for (const Action of ['s3:Get*', 'sqs:*', 's3:PutObjectAcl', 's3:?utObjec'])
    assert.not.ok(evaluateIdentity([policy(allow({ Action }))], req()).allowed, JSON.stringify(Action));
});

test('NotAction and NotResource grant what they leave out, and deny the same way', () => {
  const notIam = { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' };
  assert.ok(evaluateIdentity([policy(notIam)], req()).allowed);
  assert.not.ok(evaluateIdentity([policy(notIam)], req({ action: 'iam:PassRole', resource: ROLE })).allowed);
  const notRole = { Effect: 'Allow', Action: '*', NotResource: ROLE };
  assert.ok(evaluateIdentity([policy(notRole)], req()).allowed);
  const d = explainIdentity([policy(notRole)], req({ action: 'iam:PassRole', resource: ROLE }));
  assert.equal(d.reasons, [`NotResource: "${ROLE}" excludes "${ROLE}"`]);
  const denyElsewhere = { Effect: 'Deny', Action: '*', NotResource: 'arn:aws:s3:::site/*' };
  assert.ok(evaluateIdentity([policy(allow({ Resource: '*' }), denyElsewhere)], req()).allowed);
  assert.is(
    explainIdentity([policy(allow({ Resource: '*' }), denyElsewhere)], req({ resource: 'arn:aws:s3:::x/y' })).deniedBy,
    'statement 2',
  );
});

test('Resource: wildcards over the whole ARN, case-sensitive; "*" is every resource', () => {
  for (const Resource of ['*', 'arn:aws:s3:::site/*', 'arn:aws:s3:::*', 'arn:aws:s3:::site/index.???l', [ROLE, OBJECT]])
    assert.ok(evaluateIdentity([policy(allow({ Resource }))], req()).allowed, JSON.stringify(Resource));
  for (const Resource of ['arn:aws:s3:::Site/*', 'arn:aws:s3:::site', 'arn:aws:s3:::site/index.htm'])
    assert.not.ok(evaluateIdentity([policy(allow({ Resource }))], req()).allowed, JSON.stringify(Resource));
});

test('conditions are judged by the same code as in trust policies', () => {
  const passRole = req({
    action: 'iam:PassRole',
    resource: ROLE,
    context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
  });
  const withService = (service: string, operator = 'StringEquals') =>
    policy(
      allow({ Action: 'iam:PassRole', Resource: ROLE, Condition: { [operator]: { 'iam:PassedToService': service } } }),
    );
  assert.ok(evaluateIdentity([withService('ecs-tasks.amazonaws.com')], passRole).allowed);
  assert.ok(evaluateIdentity([withService('ecs-*', 'StringLike')], passRole).allowed);
  assert.equal(evaluateIdentity([withService('lambda.amazonaws.com')], passRole).reasons, [
    'StringEquals iam:PassedToService: "ecs-tasks.amazonaws.com" does not equal "lambda.amazonaws.com"',
  ]);
  assert.equal(evaluateIdentity([withService('ecs-tasks.amazonaws.com')], req({ ...passRole, context: {} })).reasons, [
    'StringEquals iam:PassedToService: the request has no such key',
  ]);
});

test('ARN operators: each of the six parts matched on its own, a "*" never past its colon; Equals and Like alike', () => {
  const revision = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7';
  const update = req({ action: 'ecs:UpdateService', resource: '*', context: { 'ecs:task-definition': revision } });
  const onto = (pattern: string, operator = 'ArnLike') =>
    evaluateIdentity(
      [
        policy(
          allow({
            Action: 'ecs:UpdateService',
            Resource: '*',
            Condition: { [operator]: { 'ecs:task-definition': pattern } },
          }),
        ),
      ],
      update,
    ).allowed;
  assert.ok(onto('arn:aws:ecs:eu-west-1:123456789012:task-definition/web:*'));
  assert.ok(onto('arn:aws:ecs:*:123456789012:task-definition/web:?', 'ArnEquals'));
  assert.ok(onto('arn:aws:ecs:eu-west-1:123456789012:task-definition/other:*', 'ArnNotLike'));
  // the resource part keeps its own colons; a region wildcard cannot swallow the account
  assert.not.ok(onto('arn:aws:ecs:eu-west-1:123456789012:task-definition/web-*:*'));
  assert.not.ok(onto('arn:aws:ecs:*:task-definition/web:7'));
  assert.not.ok(onto('arn:aws:ecs:eu-west-1:123456789012:task-definition/web:*', 'ArnNotEquals'));
  assert.not.ok(
    evaluateIdentity(
      [
        policy(
          allow({ Action: 'ecs:UpdateService', Resource: '*', Condition: { ArnLike: { 'ecs:task-definition': '*' } } }),
        ),
      ],
      req({ ...update, context: {} }),
    ).allowed,
    'an absent key fails a positive ARN operator',
  );
});

test('what the engine does not judge: a Deny that may apply denies, undecided; an undecided Allow allows nothing', () => {
  const tls = { Bool: { 'aws:SecureTransport': 'false' } };
  const d = explainIdentity([policy(allow(), deny({ Condition: tls }))], req());
  assert.equal({ allowed: d.allowed, indeterminate: d.indeterminate }, { allowed: false, indeterminate: true });
  assert.match(
    d.reasons[0]!,
    /^statement 1 allows it, but statement 2 \(Deny\) may deny it, so it is treated as denied — /,
  );
  assert.is(d.statements[1]!.result, 'unknown');
  const a = explainIdentity([policy(allow({ Condition: tls }))], req());
  assert.equal({ allowed: a.allowed, indeterminate: a.indeterminate }, { allowed: false, indeterminate: true });
  const variable = explainIdentity([policy(allow({ Resource: 'arn:aws:s3:::${aws:username}/*' }))], req());
  assert.ok(variable.indeterminate && !variable.allowed);
});

test('what IAM refuses is not evaluated: a Principal, neither or both of Action/NotAction or Resource/NotResource, a malformed document', () => {
  const undecided = (...statements: unknown[]) => {
    const d = explainIdentity([policy(...statements)], req());
    return !d.allowed && d.indeterminate ? (d.reasons[0] ?? '') : `decided: ${JSON.stringify(d.reasons)}`;
  };
  assert.is(
    undecided(allow({ Principal: '*' })),
    'Principal: cannot evaluate: "Principal" is not an element of an identity policy',
  );
  assert.is(
    undecided({ Effect: 'Allow', Action: '*' }),
    'Resource: cannot evaluate: a statement needs either Resource or NotResource',
  );
  assert.match(undecided(allow({ NotResource: 'x' })), /needs either Resource or NotResource/);
  assert.match(undecided(allow({ NotAction: 'x' })), /needs either Action or NotAction/);
  assert.match(undecided(allow({ Resource: [] })), /must be a string or a non-empty list of strings/);
  assert.match(undecided(allow({ Action: 's3*' })), /is not of the form service:action/);
  assert.equal(evaluateIdentity([{ Statement: [allow({ Effect: 'allow' })] }], req()).reasons, [
    'cannot evaluate the policy: Effect must be "Allow" or "Deny", not "allow"',
  ]);
  assert.equal(evaluateIdentity([policy(allow()), { Version: '2020-01-01', Statement: allow() }], req()).reasons, [
    'cannot evaluate policy 2: unknown Version "2020-01-01"',
  ]);
});

test('actionMatches and statementAllows: wildcards in any case; a pattern IAM refuses, NotAction and Deny name nothing', () => {
  assert.ok(actionMatches('STS:AssumeRoleWith*', 'sts:AssumeRoleWithWebIdentity'));
  assert.ok(actionMatches('***', 'sts:AssumeRole'));
  for (const pattern of ['sts*', '*:AssumeRole', 'sts:Assume:Role', 's?s:AssumeRole', 'sts:AssumeRoleWith'])
    assert.not.ok(actionMatches(pattern, 'sts:AssumeRoleWithWebIdentity'), pattern);
  const s = { effect: 'Allow', actions: ['sts:AssumeRole*'], notAction: false };
  assert.ok(statementAllows(s, 'sts:AssumeRoleWithWebIdentity'));
  assert.not.ok(statementAllows({ ...s, effect: 'Deny' }, 'sts:AssumeRoleWithWebIdentity'));
  assert.not.ok(statementAllows({ ...s, notAction: true }, 'sts:TagSession'));
});

test('conditionValueMatches: a value compared as the operator compares, qualifiers and IfExists aside', () => {
  assert.ok(conditionValueMatches('StringLike', '{repo}:*', '{repo}:{step}'));
  assert.ok(conditionValueMatches('ForAnyValue:StringLikeIfExists', 'a?c', 'abc'));
  assert.ok(conditionValueMatches('StringNotLike', 'a*', 'abc'));
  assert.not.ok(conditionValueMatches('StringEquals', '{repo}:*', '{repo}:{step}'));
  assert.ok(conditionValueMatches('StringEqualsIgnoreCase', 'ARI:Cloud', 'ari:cloud'));
  assert.not.ok(conditionValueMatches('StringEquals', 'ARI:Cloud', 'ari:cloud'));
});

test.run();
