export { packageCheck, packageName } from './codeartifact.js';
export { AWS_SERVICES, awsService } from './registry.js';
export { KMS_OPERATIONS, requestedKmsKey } from './s3.js';
export { cliPermissions } from './service.js';
export type { Authorization, AwsRequest, AwsService, CliPermission, Operation, Scope } from './service.js';
