/** `doctor`'s Bitbucket part, run when credentials are given: reads Bitbucket and the issuer, then the pure checks. */
import { join, relative } from 'node:path';
import { bitbucketChecks, environmentType } from '../core/bitbucket-setup/index.js';
import type { DoctorCheck, DesiredState } from '../core/iam/index.js';
import { MANIFEST_FILE } from '../core/facts/index.js';
import { shQuote } from '../core/util/index.js';
import { parseEnvironments } from '../core/answers/index.js';
import { CliError } from '../errors.js';
import { discoveryDocument } from '../io/bitbucket/api.js';
import { readBitbucket } from '../io/bitbucket/state.js';
import { openRepository } from '../io/repository.js';
import type { BitbucketSession } from './bitbucket-session.js';

export async function bitbucketDoctor(
  dir: string,
  desired: DesiredState,
  session: BitbucketSession,
): Promise<DoctorCheck[]> {
  const { answers } = openRepository({ cwd: dir }).manifest;
  const environments = parseEnvironments(answers.environments);
  const issuerPath = `/workspaces/${encodeURIComponent(answers.workspace)}/pipelines-config/identity/oidc/.well-known/openid-configuration`;
  const [observed, discovery] = await Promise.all([
    readBitbucket(
      session.client,
      answers.workspace,
      answers.name,
      environments.map((e) => e.name),
    ),
    session.client.find(issuerPath, discoveryDocument).then(
      (doc) => doc ?? { error: 'not found (404)' },
      (e: unknown) => ({ error: e instanceof CliError ? e.message : String(e) }),
    ),
  ]);
  const shown = relative(process.cwd(), dir) || '.';
  return bitbucketChecks({
    desired: {
      workspace: answers.workspace,
      slug: answers.name,
      environments: environments.map((e) => ({ name: e.name, type: environmentType(e.name) })),
      repositoryVariables: desired.repositoryVariables,
      deploymentVariables: desired.deploymentVariables,
    },
    repoUuid: answers.repoUuid,
    environmentUuids: Object.fromEntries(environments.map((e) => [e.name, e.uuid])),
    observed,
    discovery,
    setupCommand: `pipelines-oidc new ${answers.name} --answers ${shQuote(join(shown, MANIFEST_FILE))} --dir ${shQuote(shown)} --bitbucket (plans only what is missing)`,
  });
}
