/** What the user does after `new`, in order: printed by the command and returned in --json. */
import { WHERE_TO_FIND } from './bitbucket.js';
import type { RepoModel } from './model.js';
import { shQuote } from './shell.js';

export function nextSteps(model: RepoModel, dir: string, pushed: boolean): string[] {
  const { answers } = model;
  const d = shQuote(dir);
  const steps: string[] = [];
  if (model.repoUuidMissing) {
    steps.push(
      `Find the repository UUID (${WHERE_TO_FIND.repoUuid}), then run: pipelines-oidc update --dir ${d} --repo-uuid '{REPOSITORY-UUID}' (until then the role trusts no pipeline)`,
    );
  }
  if (!pushed) steps.push(`Create the repository ${answers.workspace}/${answers.name} in Bitbucket and push ${dir}`);
  steps.push('Enable Pipelines: Repository settings → Pipelines → Settings');
  if (answers.iac === 'terraform' || answers.iac === 'both') {
    steps.push(`Create the IAM side: cd ${d}/terraform && terraform init && terraform apply`);
  }
  if (answers.iac === 'cloudformation') {
    steps.push(`Create the IAM side: deploy ${dir}/cloudformation/oidc-role.yaml (command in README.md)`);
  }
  for (const e of model.environmentUuidsMissing) {
    steps.push(
      `Create the deployment environment ${e} (Repository settings → Deployments), then run: pipelines-oidc update --dir ${d} --environment ${e}=<UUID>`,
    );
  }
  // apply needs every UUID: it refuses trust policies that still hold a placeholder
  if (answers.iac === 'none')
    steps.push(`Create the IAM side: pipelines-oidc apply ${d} (or by hand from the iam/ files: steps in README.md)`);
  const repoVars = model.repositoryVariables;
  steps.push(
    `Set the repository variable${repoVars.length > 1 ? 's' : ''} ${repoVars.map((v) => `${v.name}=${v.value}`).join(' and ')}`,
  );
  for (const v of model.deploymentVariables)
    steps.push(`Set the deployment variable ${v.name}=${v.value} in the ${v.environment} environment`);
  const custom = Object.keys(model.pipeline.pipelines.custom ?? {});
  if (custom.length) steps.push(`Run the custom pipeline ${custom.join(', ')}: Pipelines → Run pipeline`);
  const branches = Object.keys(model.pipeline.pipelines.branches ?? {});
  if (branches.length) steps.push(`Push to ${branches.join(', ')} to run the deploy pipeline`);
  return steps;
}
