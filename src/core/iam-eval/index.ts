export { evaluateTrust, explainTrust } from './evaluate.js';
export { actionsOf } from './iam-actions.js';
export { readPolicy } from './policy-grammar.js';
export type { ConditionEntry, PolicyStatement } from './policy-grammar.js';
export { hit } from './report.js';
export type { FileHit, Hit } from './report.js';
export type { CheckInput, Severity, SourceFile, TerraformModule, TrustRequest, UnreadFile } from './types.js';
