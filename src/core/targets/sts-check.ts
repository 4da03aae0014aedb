import { STEP_IMAGES } from '../facts/index.js';
import type { TargetDefinition } from './definition.js';

/** The handshake check: assume the role and prove the inline policy is attached, with nothing to deploy. */
export const stsCheck: TargetDefinition = {
  id: 'sts-check',
  title: 'OIDC handshake check',
  description: 'Assume the role from a manual pipeline and call one API the inline policy allows.',
  questions: [],
  pipeline: { trigger: 'custom', name: 'test-aws-oidc' },
  step: {
    name: 'Check the AWS OIDC role',
    image: STEP_IMAGES.awsCli.name,
    script: [
      'echo "Checking the inline policy: iam:GetRole on the role itself"',
      'aws iam get-role --role-name {{roleName}} --query Role.Arn --output text',
    ],
  },
  statements: [{ Sid: 'ReadOwnRole', Effect: 'Allow', Action: 'iam:GetRole', Resource: '{{roleArn}}' }],
  notes: [
    '`iam:GetRole` on this role only: the check pipeline reads its own role to prove the inline policy is attached.',
  ],
};
