/**
 * What the user does after `new`, `update` and `add`, in the order a person can do it: printed by the
 * commands and returned in --json. A step that has a command ends with `run: <command>`, exact and
 * runnable where the user is (the folder as they named it), placeholders in `{…}` or `<…>`.
 */
import {
  WHERE_TO_FIND,
  CLOUDFORMATION_FILE,
  GITIGNORE,
  isIamSide,
  TEMPLATE_BUCKET_PLACEHOLDER,
  TERRAFORM_DIR,
  tooLargeInline,
} from '../facts/index.js';
import { stackNameFor, type RepoModel } from './model.js';
import { shQuote, type RenderedFile } from '../util/index.js';

/** What `new` did with git: the first step depends on it. */
export type GitOutcome = 'committed' | 'pushed' | 'skipped' | 'existing-repository';

const remoteOf = (model: RepoModel) => `git@bitbucket.org:${model.answers.workspace}/${model.answers.name}.git`;

/**
 * "Create the IAM side …, run: <command>": the way the repository chose, and for a CloudFormation template
 * too large to send inline, the bucket `deploy` uploads it to and why.
 */
function iamStep(model: RepoModel, d: string, first: boolean, files: readonly RenderedFile[], what: string): string {
  const { iac, region } = model.answers;
  if (iac === 'terraform' || iac === 'both')
    return `${what}, run: cd ${d}/${TERRAFORM_DIR} && ${first ? 'terraform init && ' : ''}terraform apply`;
  if (iac !== 'cloudformation') return `${what}, run: pipelines-oidc apply ${d} && pipelines-oidc doctor ${d}`;
  const deploy = `cd ${d} && aws cloudformation deploy --region ${shQuote(region)} --stack-name ${shQuote(stackNameFor(model.answers.name))} --template-file ${CLOUDFORMATION_FILE} --capabilities CAPABILITY_NAMED_IAM`;
  const body = files.find((f) => f.path === CLOUDFORMATION_FILE)?.content;
  const tooLarge = body === undefined ? undefined : tooLargeInline(body);
  if (tooLarge === undefined) return `${what}, run: ${deploy}`;
  return `${what}. ${CLOUDFORMATION_FILE} is ${tooLarge}: deploy uploads it to an S3 bucket of yours in ${region} first, run: ${deploy} --s3-bucket ${shQuote(TEMPLATE_BUCKET_PLACEHOLDER)}`;
}

/** Setting the UUIDs that were not known: each needs the repository (or environment) to exist in Bitbucket. */
function uuidSteps(model: RepoModel, d: string): string[] {
  const steps: string[] = [];
  if (model.repoUuidMissing)
    steps.push(
      `Find the repository UUID (${WHERE_TO_FIND.repoUuid}); until it is set the role trusts no pipeline. Then run: pipelines-oidc update --dir ${d} --repo-uuid '{REPOSITORY-UUID}'`,
    );
  for (const e of model.environmentUuidsMissing)
    steps.push(
      `Create the deployment environment ${e} (Repository settings → Deployments) and copy its UUID, then run: pipelines-oidc update --dir ${d} --environment ${e}=<UUID>`,
    );
  return steps;
}

/** `files`: the repository as rendered (the CloudFormation template's size decides its command). */
export function nextSteps(model: RepoModel, dir: string, git: GitOutcome, files: readonly RenderedFile[]): string[] {
  const { answers } = model;
  const d = shQuote(dir);
  const steps: string[] = [];
  const create = `Create the empty repository ${answers.workspace}/${answers.name} in Bitbucket (no README or ${GITIGNORE}), then run:`;
  const commit = `git add -A && git commit -m 'Deploy to AWS with OpenID Connect'`;
  if (git === 'committed')
    steps.push(`${create} cd ${d} && git remote add origin ${remoteOf(model)} && git push -u origin main`);
  if (git === 'skipped')
    steps.push(
      `${create} cd ${d} && git init -b main && ${commit} && git remote add origin ${remoteOf(model)} && git push -u origin main`,
    );
  if (git === 'existing-repository') steps.push(`Commit and push the new files, run: cd ${d} && ${commit} && git push`);
  steps.push('Enable Pipelines: Repository settings → Pipelines → Settings');
  const uuids = uuidSteps(model, d);
  steps.push(...uuids);
  // the IAM side refuses a placeholder UUID: update's own next steps say to create it once they are set
  if (!uuids.length) steps.push(iamStep(model, d, true, files, `Create the IAM side in account ${answers.account}`));
  steps.push(...variableSteps(model));
  steps.push(`Check the repository at any time (offline), run: pipelines-oidc check ${d}`);
  if (!uuids.length) steps.push(...pipelineSteps(model));
  return steps;
}

function variableSteps(model: RepoModel): string[] {
  const repoVars = model.repositoryVariables;
  return [
    `Set the repository variable${repoVars.length > 1 ? 's' : ''} ${repoVars.map((v) => `${v.name}=${v.value}`).join(' and ')} (Repository settings → Repository variables)`,
    ...model.deploymentVariables.map(
      (v) => `Set the deployment variable ${v.name}=${v.value} in the ${v.environment} environment`,
    ),
  ];
}

function pipelineSteps(model: RepoModel): string[] {
  const steps: string[] = [];
  const custom = Object.keys(model.pipeline.pipelines.custom ?? {});
  if (custom.length) steps.push(`Run the custom pipeline ${custom.join(', ')}: Pipelines → Run pipeline`);
  const branches = Object.keys(model.pipeline.pipelines.branches ?? {});
  if (branches.length) steps.push(`Push to ${branches.join(', ')} to run the deploy pipeline`);
  return steps;
}

/**
 * After `update` or `add` changed `changed` (paths): the IAM side again if its files changed, the commit
 * and push, and each Bitbucket variable whose value is new. `files`: the repository as rendered now.
 */
export function nextStepsAfterChange(
  before: RepoModel,
  after: RepoModel,
  dir: string,
  changed: string[],
  files: readonly RenderedFile[],
): string[] {
  const d = shQuote(dir);
  const steps = uuidSteps(after, d);
  // the last placeholder replaced: the IAM side can be created now (it refuses placeholders)
  const firstTime = before.repoUuidMissing || before.environmentUuidsMissing.length > 0;
  if (!steps.length && firstTime)
    steps.push(iamStep(after, d, true, files, `Create the IAM side in account ${after.answers.account}`));
  else if (!steps.length && changed.some(isIamSide))
    steps.push(
      iamStep(
        after,
        d,
        before.answers.iac !== after.answers.iac,
        files,
        'Apply the IAM side again (its trust or inline policy changed)',
      ),
    );
  if (changed.length)
    steps.push(
      `Commit and push the change, run: cd ${d} && git add -A && git commit -m 'Update the AWS OpenID Connect setup' && git push`,
    );
  const had = new Set([
    ...before.repositoryVariables.map((v) => `${v.name}=${v.value}`),
    ...before.deploymentVariables.map((v) => `${v.environment}:${v.name}=${v.value}`),
  ]);
  const changedVars = {
    ...after,
    repositoryVariables: after.repositoryVariables.filter((v) => !had.has(`${v.name}=${v.value}`)),
    deploymentVariables: after.deploymentVariables.filter((v) => !had.has(`${v.environment}:${v.name}=${v.value}`)),
  };
  if (changedVars.repositoryVariables.length) steps.push(variableSteps(changedVars)[0]!.replace(/^Set/, 'Change'));
  steps.push(...variableSteps({ ...changedVars, repositoryVariables: [] }).slice(1));
  if (changed.length) steps.push(`Check the repository, run: pipelines-oidc check ${d}`);
  if (!steps.some((s) => s.startsWith('Find') || s.startsWith('Create the deployment')))
    if (firstTime || before.answers.target !== after.answers.target) steps.push(...pipelineSteps(after));
  return steps;
}
