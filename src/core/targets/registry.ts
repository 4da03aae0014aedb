/** The gallery: built-in targets, plus any a user loads from a folder (same shape, checked on load). */
import { cloudformationDeploy } from './cloudformation-deploy.js';
import { codeartifactNpm } from './codeartifact-npm.js';
import { codeartifactPypi } from './codeartifact-pypi.js';
import { ecrPush } from './ecr-push.js';
import { ecsDeploy } from './ecs-deploy.js';
import { lambdaDeploy } from './lambda-deploy.js';
import { s3StaticSite } from './s3-static-site.js';
import { stsCheck } from './sts-check.js';
import type { TargetDefinition, TargetQuestion } from './definition.js';

export type { TargetDefinition, TargetQuestion } from './definition.js';

/** The handshake check first: it is the one to run before any deploy target. */
export const BUILT_IN_TARGETS: readonly TargetDefinition[] = [
  stsCheck,
  codeartifactNpm,
  codeartifactPypi,
  s3StaticSite,
  ecrPush,
  lambdaDeploy,
  ecsDeploy,
  cloudformationDeploy,
];

export type Gallery = readonly TargetDefinition[];

export function findTarget(gallery: Gallery, id: string): TargetDefinition | undefined {
  return gallery.find((t) => t.id === id);
}

/** The questions of several targets, each once (targets may share a question, e.g. a bucket). */
export function questionsOf(targets: readonly TargetDefinition[]): TargetQuestion[] {
  const seen = new Map<string, TargetQuestion>();
  // a question one target needs and another may leave empty is needed
  for (const t of targets)
    for (const q of t.questions)
      if (!seen.has(q.name) || (seen.get(q.name)!.optional && !q.optional)) seen.set(q.name, q);
  return [...seen.values()];
}
