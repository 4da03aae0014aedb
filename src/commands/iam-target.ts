/**
 * What `apply` and `doctor` share: the repository's desired IAM state from its manifest and IAM files,
 * and a session with the account, read concurrently.
 */
import { join } from 'node:path';
import { desiredState } from '../core/iam/desired.js';
import type { DesiredState, ObservedState } from '../core/iam/types.js';
import { buildRepoModel, MANIFEST_FILE } from '../core/model.js';
import { answersFromFile, resolveAnswers } from '../core/resolve.js';
import { CliError, RunError } from '../errors.js';
import { connect, type AwsSession } from '../io/aws.js';
import { loadGallery } from '../io/gallery.js';
import { readObserved } from '../io/iam-state.js';
import { readIfPresent, readManifest } from '../io/manifest.js';
export function loadDesired(dir: string, command: string, thumbprint?: string): DesiredState {
  const manifest = readManifest(dir);
  const gallery = loadGallery(dir, manifest.gallery);
  let answers;
  try {
    answers = resolveAnswers({ flags: {}, file: { path: join(dir, MANIFEST_FILE), values: answersFromFile(MANIFEST_FILE, manifest) }, env: {} }, gallery);
  } catch (e) {
    if (e instanceof CliError) throw new RunError(`${command}: ${MANIFEST_FILE}: ${e.message}`);
    throw e;
  }
  return desiredState(buildRepoModel(answers, gallery), (file) => readIfPresent(join(dir, file)), { command, ...(thumbprint ? { thumbprint } : {}) });
}

export interface AwsOptions {
  profile?: string;
  region?: string;
}

/** Connects and reads the live state; the session stays open for `apply`'s writes. */
export async function observe(desired: DesiredState, options: AwsOptions): Promise<{ aws: AwsSession; observed: ObservedState }> {
  const aws = await connect({ partition: desired.partition, region: options.region ?? desired.region, ...(options.profile ? { profile: options.profile } : {}) });
  try {
    return { aws, observed: await readObserved(aws, desired) };
  } catch (e) {
    aws.close();
    throw e;
  }
}

/** The lines that tell the user what to set in Bitbucket once the roles exist. */
export function variableLines(desired: DesiredState): string[] {
  return [
    ...desired.repositoryVariables.map((v) => `Repository variable ${v.name} = ${v.value}`),
    ...desired.deploymentVariables.map((v) => `Deployment variable ${v.name} = ${v.value} (environment ${v.environment})`),
  ];
}
