export { ANY_BRANCH_ADVICE, changesResources, deploysFromAnyBranch, isProductionEnvironment } from './deploy-rights.js';
export { manifestModel, manifestSource, parseManifest, recordedAnswers } from './manifest.js';
export type { Manifest, ManifestRecord } from './manifest.js';
export { buildRepoModel, concretePolicies, environmentUuidParam, stackNameFor } from './model.js';
export type { ExtraVariable, RepoModel, RoleModel } from './model.js';
export { nextSteps, nextStepsAfterChange } from './next-steps.js';
export {
  ADDED_NOTE,
  PIPELINE_NOTE,
  addOurPipelines,
  appendMissingLines,
  replaceOurPipelines,
} from './pipeline-merge.js';
export { PIPELINE_KINDS, fieldOf, plainDocument, walkPipelines, walkSteps } from './pipeline-walk.js';
export type { DocumentAccess } from './pipeline-walk.js';
export { credentialScript, verifyRoleScript } from './pipeline.js';
export type { PipelineDoc, PipelineStep } from './pipeline.js';
export { conflictMarkerLines, planUpdate, sameTerraformLayoutAside } from './update-plan.js';
export { stepInputs } from './step-inputs.js';
export type { StepInput } from './step-inputs.js';
export type { PlannedFile } from './update-plan.js';
