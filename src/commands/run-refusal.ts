/**
 * `run --follow`'s explanation of a step that STS refused. The step's claims are rebuilt from what Bitbucket
 * says of the step (its repository, environment and step UUIDs) and judged against the trust policy of the
 * role the step asks for. When the files accept them, the account (read with the AWS credentials at hand)
 * and the repository's variables are read for what else refuses a real token. Loaded only on a refusal: it
 * is the path that reads AWS.
 */
import {
  bare,
  judgeClaims,
  liveRefusalCauses,
  roleOfStep,
  stepClaims,
  stepEnvironments,
} from '../core/bitbucket-setup/index.js';
import { desiredState, type DesiredState } from '../core/iam/index.js';
import { parseEnvironments } from '../core/answers/index.js';
import { CliError } from '../errors.js';
import type { ApiPipeline, ApiStep } from '../io/bitbucket/api.js';
import type { BitbucketClient } from '../io/bitbucket/client.js';
import { readBitbucket } from '../io/bitbucket/state.js';
import { readPipelineDocument } from '../io/pipeline-file.js';
import { openRepository } from '../io/repository.js';
import { bold, dim, green, red, yellow } from '../io/style.js';
import { printable } from '../printable.js';
import { observe } from './iam-target.js';

export interface Refused {
  dir: string;
  client: BitbucketClient;
  workspace: string;
  slug: string;
  /** `custom:<name>` the pipeline ran, and on which branch. */
  pipeline: string;
  branch: string;
  run: ApiPipeline;
  step: ApiStep;
  /** STS's line from the step's log. */
  refusal: string;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** The account as the credentials at hand read it, or why it could not be read. */
async function readAccount(desired: DesiredState) {
  try {
    const { aws, observed } = await observe(desired, {});
    aws.close();
    return observed;
  } catch (e) {
    // no credentials, no network, a refusal: each only means this side was not seen
    return firstLine(e);
  }
}

export async function explainRefusal(r: Refused): Promise<string[]> {
  const lines = ['', bold('STS refused the token'), `  ${printable(r.refusal)}`];
  const repo = openRepository({ cwd: r.dir });
  const { answers } = repo.manifest;
  let desired: DesiredState;
  try {
    desired = desiredState(repo.model(), repo.read, { command: 'run' });
  } catch (e) {
    // a placeholder where a UUID belongs, a file missing: no token can pass, and that is the cause
    if (!(e instanceof CliError)) throw e;
    return [...lines, `  ${red('✖')} ${printable(e.message)}`];
  }
  const environments = parseEnvironments(answers.environments).map((e) => e.name);
  const bitbucket = await readBitbucket(r.client, r.workspace, r.slug, environments);
  if (!bitbucket.repository) return [...lines, `  ${red('✖')} Bitbucket no longer knows ${r.workspace}/${r.slug}`];
  const pipelineDoc = readPipelineDocument(r.dir, 'run');
  const envName = stepEnvironments(pipelineDoc, r.pipeline.slice('custom:'.length)).get(r.step.name ?? '');
  const env = envName ? bitbucket.environments.find((e) => e.name.toLowerCase() === envName.toLowerCase()) : undefined;
  const now = new Date();
  const claims = stepClaims(
    {
      workspace: r.workspace,
      workspaceUuid: bitbucket.workspaceUuid,
      repoUuid: bitbucket.repository.uuid,
      ...(env ? { environmentUuid: bare(env.uuid) } : {}),
      pipelineUuid: bare(r.run.uuid),
      stepUuid: bare(r.step.uuid),
      branch: r.branch,
    },
    now,
  );
  lines.push(
    `  ${dim(`the step's claims, rebuilt from Bitbucket's UUIDs (a simulation of its token): ${JSON.stringify({ iss: claims.iss, aud: claims.aud, sub: claims.sub })}`)}`,
  );
  if (envName && !env)
    lines.push(
      `  ${red('✖')} the step deploys to ${printable(envName)}, a deployment environment Bitbucket does not have`,
    );
  const role = roleOfStep(desired, envName);
  if (!role) return [...lines, `  ${red('✖')} the repository defines no role for this step`];
  const verdict = judgeClaims(claims, role, desired, now);
  if (!verdict.accepted)
    return [
      ...lines,
      `  ${red('✖ rejected')} by ${role.name} (${role.trustFile})`,
      ...verdict.reasons.map((x) => `      ${printable(x)}`),
    ];
  lines.push(
    `  ${green('✔')} ${role.name}'s trust policy (${role.trustFile}) accepts them: the refusal comes from what is applied or set, not from the files`,
  );
  const { causes, unseen } = liveRefusalCauses(
    claims,
    role,
    desired,
    { aws: await readAccount(desired), bitbucket },
    now,
  );
  lines.push(
    ...causes.map((c) => `  ${red('✖')} ${printable(c)}`),
    ...unseen.map((u) => `  ${yellow('?')} not checked: ${printable(u)}`),
  );
  if (!causes.length && !unseen.length)
    lines.push(
      `  ${yellow('?')} the account's provider and role, and ${role.environment ? `${role.environment}'s` : 'the repository'} variables, accept the token too: what this tool cannot read remains (an organization's resource control policy denying sts:AssumeRoleWithWebIdentity; a script that assumes another role than AWS_OIDC_ROLE_ARN names)`,
    );
  return lines;
}
