/**
 * What `update` counts as an edit of a Terraform file: the `=` alignment terraform fmt gives it is
 * not; anything in a value, spaces inside a string too, is. Other files compare as text.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sameTerraformLayoutAside } from '../../src/core/repo/update-plan.ts';

const generated = 'workspace = "phub"\nrole_name = "a  b"\ncreate_oidc_provider = true\n';
const formatted = 'workspace            = "phub"\nrole_name            = "a  b"\ncreate_oidc_provider = true\n';

test('terraform fmt alignment is not an edit of a .tf or .tfvars file', () => {
  assert.ok(sameTerraformLayoutAside('terraform/terraform.tfvars', generated, formatted));
  assert.ok(
    sameTerraformLayoutAside(
      'terraform/main.tf',
      '  tags = {\n    "a b" = "x"\n  }\n',
      '  tags = {\n    "a b"   = "x"  \n  }\n',
    ),
  );
});

test('a changed value is an edit, spaces inside a string too; other files compare as text', () => {
  assert.not.ok(
    sameTerraformLayoutAside('terraform/terraform.tfvars', generated, formatted.replace('"a  b"', '"a b"')),
  );
  assert.not.ok(sameTerraformLayoutAside('terraform/terraform.tfvars', generated, formatted.replace('true', 'false')));
  assert.not.ok(sameTerraformLayoutAside('iam/trust-policy.json', generated, formatted));
});

test.run();
