export type { SchemaValidator } from './pipeline-schema.js';
export { openTo } from './principal-findings.js';
export type { FindingId } from './rules.js';
export { permissionsFindings, runChecks, trustFindings } from './run-checks.js';
export type { CheckReport, TrustScope } from './run-checks.js';
export { decodeToken, explainToken } from './token.js';
export type { Provider, RoleVerdict, TokenClaims } from './token.js';
export { CFN_TAGS } from './drift.js';
