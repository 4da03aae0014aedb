export { keptPaths } from './exercises/repository.js';
export { workshopState, workshopView } from './facilitator.js';
export type { WorkshopRole, WorkshopView } from './facilitator.js';
export { gradeTotals, gradeWorkshop } from './grade.js';
export type { GradeRow, GradedAttendee, RepoUnderGrade } from './grade.js';
export { parseExerciseList, planWorkshop } from './plan.js';
export type { PlanInput, WorkshopEntry, WorkshopPlan } from './plan.js';
export type { Exercise, ExerciseFile, ExerciseRepository } from './types.js';
