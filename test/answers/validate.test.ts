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

test.run();
