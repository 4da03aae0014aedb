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
      `Find the repository UUID (${WHERE_TO_FIND.repoUuid}), then run: pipelines-oidc new ${answers.name} --answers ${d}/.pipelines-oidc.json --dir ${d} --force --repo-uuid '{REPOSITORY-UUID}' (until then the role trusts no pipeline)`,
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
  if (answers.iac === 'none') steps.push('Create the IAM side from iam/trust-policy.json and iam/inline-policy.json (steps in README.md)');
  steps.push(`Set the repository variables ${model.repositoryVariables.map((v) => `${v.name}=${v.value}`).join(' and ')}`);
  const custom = Object.keys(model.pipeline.pipelines.custom ?? {});
  if (custom.length) steps.push(`Run the custom pipeline ${custom.join(', ')}: Pipelines → Run pipeline`);
  return steps;
}
