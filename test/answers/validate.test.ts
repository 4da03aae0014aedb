import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as rules from '../../src/core/answers/validate.ts';

const value = (r: ReturnType<rules.Rule>) => ('value' in r ? r.value : undefined);

test('uuid accepts braces or none and normalises to lowercase without braces', () => {
  assert.is(value(rules.uuid('{7A3E5C1D-2B4F-4E6A-9C8D-1F2E3D4C5B6A}')), '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a');
  assert.is(value(rules.uuid('7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a')), '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a');
  assert.is(value(rules.uuid('{7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a')), undefined);
  assert.is(value(rules.uuid('7a3e5c1d2b4f4e6a9c8d1f2e3d4c5b6a')), undefined);
});

test('a pasted workspace address or audience is understood as the slug or the UUID it names', () => {
  for (const pasted of [
    'https://bitbucket.org/phub/',
    'bitbucket.org/phub',
    'https://bitbucket.org/phub/phub-oidc-check/src/main/',
    'https://www.bitbucket.org/phub?tab=repositories',
    ' phub ',
  ])
    assert.is(value(rules.workspaceSlug(pasted)), 'phub', pasted);
  assert.is(value(rules.workspaceSlug('https://github.com/phub/')), undefined);
  assert.is(value(rules.workspaceSlug('https://bitbucket.org/')), undefined);
  const uuid = '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a';
  assert.is(value(rules.workspaceUuid(`ari:cloud:bitbucket::workspace/${uuid}`)), uuid);
  assert.is(value(rules.workspaceUuid(`{${uuid.toUpperCase()}}`)), uuid);
  assert.is(value(rules.workspaceUuid(`ari:cloud:bitbucket::repository/${uuid}`)), undefined);
  // the repository UUID is no audience: the prefix is understood for the workspace only
  assert.is(value(rules.uuid(`ari:cloud:bitbucket::workspace/${uuid}`)), undefined);
});

test('environment names as Bitbucket shows them (Test, Production) are taken in lowercase, as deployment: matches them', () => {
  assert.is(value(rules.environmentList('Test,Production')), 'test,production');
  assert.is(value(rules.environmentList('QA:Staging')), 'qa:staging');
  assert.is(value(rules.environmentList('production,Production')), undefined, 'the same environment twice');
  assert.is(value(rules.environmentList('Pre Prod')), undefined);
});

test.run();
