/**
 * The AWS services the gallery's targets use, one module each. A service the list lacks is still
 * rehearsed (its calls need their operation's action on `*`), but check knows none of its actions.
 */
import { cloudformation } from './cloudformation.js';
import { cloudfront } from './cloudfront.js';
import { codeartifact } from './codeartifact.js';
import { ecr } from './ecr.js';
import { ecs } from './ecs.js';
import { iam } from './iam.js';
import { lambda } from './lambda.js';
import { s3 } from './s3.js';
import type { AwsService } from './service.js';
import { sts } from './sts.js';

/** In the order check names them. */
export const AWS_SERVICES: readonly AwsService[] = [
  sts,
  iam,
  s3,
  cloudfront,
  ecr,
  ecs,
  lambda,
  codeartifact,
  cloudformation,
];

const BY_NAME = new Map(AWS_SERVICES.map((s) => [s.name, s]));

/** The module of a service by its IAM prefix (also its signing name); undefined for one not listed. */
export function awsService(name: string): AwsService | undefined {
  return BY_NAME.get(name);
}
