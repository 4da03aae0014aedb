export { authorize } from './authorize.js';
export type { Verdict } from './authorize.js';
export { judgeLine, reservedVariable } from './commands.js';
export type { LineVerdict } from './commands.js';
export { UNAUTHORIZED_ACTIONS, operationOf } from './operations.js';
export { rehearsalPlan } from './plan.js';
export type { RehearsalPlan, RehearsalStep } from './plan.js';
export { stepClaims } from './token.js';
