/**
 * The handshake check: assume the role and prove the inline policy is attached, with nothing to deploy.
 * The first pipeline to run in a new repository.
 */
import { shQuote } from '../shell.js';
import type { Target } from './types.js';

export const stsCheck: Target = {
  id: 'sts-check',
  title: 'OIDC handshake check',
  description: 'Assume the role from a manual pipeline and call one API the inline policy allows.',
  statements: (ctx) => [
    { Sid: 'ReadOwnRole', Effect: 'Allow', Action: 'iam:GetRole', Resource: ctx.roleArn },
  ],
  pipeline: (ctx) => ({
    trigger: 'custom',
    name: 'test-aws-oidc',
    stepName: 'Check the AWS OIDC role',
    script: [
      'echo "Checking the inline policy: iam:GetRole on the role itself"',
      `aws iam get-role --role-name ${shQuote(ctx.answers.roleName)} --query Role.Arn --output text`,
    ],
  }),
  permissionNotes: ['`iam:GetRole` on this role only: the check pipeline reads its own role to prove the inline policy is attached.'],
};
