export {
  environmentAnswerKey,
  environmentFlag,
  environmentParam,
  paramOfAnswerKey,
  releaseEnvironment,
} from './environment-answers.js';
export { DEFAULT_ROLE_PREFIX, QUESTIONS, questionFor } from './questions.js';
export type { AnswerFlag, AnswerName, Answers, Question } from './questions.js';
export { answersFromFile, asQuestion, askAnswers, checkTargetFlags, resolveAnswers, unknownTarget } from './resolve.js';
export type { AnswerSources } from './resolve.js';
export {
  environmentTypeOf,
  parseEnvironments,
  partitionOf,
  region,
  repoSlug,
  repositoryPath,
  sessionSeconds,
  uuid,
  workspaceSlug,
} from './validate.js';
export type { EnvironmentType } from './validate.js';
