export { desiredState } from './desired.js';
export { doctorChecks } from './doctor.js';
export type { DoctorCheck } from './doctor.js';
export { STEP_ACTION, describeStep, planChanges, shown } from './plan.js';
export type { Plan, Step } from './plan.js';
export type { DesiredRole, DesiredState, ObservedProvider, ObservedRole, ObservedState } from './types.js';
export { explainAttempts, LOOKUP_ACTION, LOOKUP_LIMITS, WEB_IDENTITY_EVENT } from './attempts.js';
export type { Attempt, AttemptsReport, LookedUpEvent, RoleFile } from './attempts.js';
