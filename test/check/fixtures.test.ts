import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXAMPLE, renderRepo } from '../support/fixtures.ts';

test('the example renders every file of --iac both, each ending with a newline', () => {
  const { files } = renderRepo();
  assert.is(EXAMPLE.iac, 'both');
  assert.ok(files.has('terraform/main.tf'));
  assert.ok(files.has('cloudformation/oidc-role.yaml'));
  for (const [path, content] of files) assert.ok(content.endsWith('\n'), `${path} ends with a newline`);
});

test.run();
