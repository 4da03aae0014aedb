export {
  PLACEHOLDER,
  ROLE_PLACEHOLDERS,
  rehearsalFiles,
  rehearsalSeed,
  targetScript,
  targetSetup,
  targetStatements,
} from './definition.js';
export type { TargetDefinition, TargetQuestion } from './definition.js';
export { DefinitionError, fail } from './definition-error.js';
export { BUILT_IN_TARGETS, findTarget, questionsOf } from './registry.js';
export type { Gallery } from './registry.js';
export { checkSeedLine } from './seed.js';
export type { Holds } from './seed.js';
