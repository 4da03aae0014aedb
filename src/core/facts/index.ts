export {
  CONDITION_CLAIMS,
  ENVIRONMENT_UUID_PLACEHOLDER,
  REPO_UUID_PLACEHOLDER,
  WHERE_TO_FIND,
  audience,
  braced,
  conditionKey,
  environmentSubPattern,
  hostPathOf,
  isPartition,
  issuerHostPath,
  issuerUrl,
  oidcProviderArn,
  providerArn,
  providerUrl,
  readConditionKey,
  readProviderArn,
  readUuid,
  repositorySubPattern,
  subClaim,
  subParts,
  subScope,
  symbolic,
  workspaceOfAudience,
  workspaceOfIssuer,
  workspaceUuidOfAudience,
} from './bitbucket.js';
export {
  BROADEST,
  MANAGED_TAG,
  MANAGED_TAGS,
  MANAGED_TAGS_MAP,
  managedPolicyBreadth,
  samePolicy,
} from './iam-policy.js';
export {
  INLINE_TEMPLATE_LIMIT,
  TEMPLATE_BUCKET_PLACEHOLDER,
  needsTemplateBucket,
  templateBytes,
  tooLargeInline,
} from './cloudformation.js';
export { STEP_IMAGES, SUCCESSOR, imageSupport, releaseLineOf } from './images.js';
export { PARAM_NAME, mapStrings, param, paramSpec, resolveParams, splitParams } from './params.js';
export type { ParamValues } from './params.js';
export { PATTERN } from './patterns.js';
export {
  AWS_DEFAULT_SESSION,
  BITBUCKET_STEP_MAX_TIME,
  MAX_ROLE_SESSION,
  TOKEN_FILE_SESSION,
  sessionText,
  stepMaxTime,
} from './session.js';
export { asJson, permissionsPolicy, trustPolicy } from './policy.js';
export type { PolicyDocument, Statement, TrustPolicy } from './policy.js';
export {
  CLOUDFORMATION_DIR,
  CLOUDFORMATION_FILE,
  EXERCISE_FILE,
  FACILITATOR_DIR,
  GITIGNORE,
  MANIFEST_FILE,
  NOT_CODE,
  PIPELINE_FILE,
  README_FILE,
  SETUP_README,
  SUMMARY_FILE,
  TERRAFORM_DIR,
  TERRAFORM_FILE,
  TFVARS_NAME,
  WORKSHOP_STATE_FILE,
  inIamFolder,
  inlinePolicyPath,
  isEssential,
  isIamSide,
  repositoryFiles,
  rolePolicyFile,
  templateOf,
  trustPolicyPath,
  workshopStackPath,
} from './repository-files.js';
export type { GeneratedFile } from './repository-files.js';
