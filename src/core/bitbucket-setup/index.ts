export { bitbucketChecks } from './doctor.js';
export { bare, environmentsWithUuids, reconcile } from './lookups.js';
export {
  DEFAULT_PIPELINE,
  isFinished,
  pipelineTarget,
  resultOf,
  stepClaims,
  stepEnvironments,
  stsRefusal,
  tail,
} from './pipeline-run.js';
export { describeChange, desiredBitbucket, environmentType, planBitbucket } from './plan.js';
export type { BitbucketPlan, Change, ObservedBitbucket, ObservedVariable } from './types.js';
export { judgeClaims, liveRefusalCauses, roleOfStep, type LiveRead, type RefusalCauses } from './refusal.js';
