/**
 * Answers that differ per deployment environment: a target question marked `perEnvironment` is answered
 * once per environment, recorded as `<question>.<environment>` and passed to Terraform and CloudFormation
 * as its own variable (`siteBucket.production` → `siteBucketProduction`). Pure.
 */
import type { Environment } from './validate.js';

/** The key of one environment's answer in `targetAnswers` and in the flags: `siteBucket.production`. */
export const environmentAnswerKey = (question: string, environment: string) => `${question}.${environment}`;

/** `<flag>.<environment>` on the command line. */
export const environmentFlag = (flag: string, environment: string) => `${flag}.${environment}`;

const pascal = (name: string) =>
  name.replace(/(^|-)([a-z0-9])/g, (_: string, _dash: string, c: string) => c.toUpperCase());

/** The parameter (Terraform variable, CloudFormation parameter) of one environment's answer. */
export const environmentParam = (question: string, environment: string) => `${question}${pascal(environment)}`;

/** `siteBucket.production` → its parameter name; a shared answer's key is its parameter already. */
export function paramOfAnswerKey(key: string): string {
  const [question = '', environment] = key.split('.');
  return environment === undefined ? question : environmentParam(question, environment);
}

/** The environment a release runs in: the last stage. */
export function releaseEnvironment(environments: readonly Environment[]): Environment | undefined {
  return environments[environments.length - 1];
}
