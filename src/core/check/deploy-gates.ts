/**
 * Where a deploy may start from, judged with the role each step assumes: a step that can change resources
 * without a deployment environment (`pipeline.deploy-without-environment`), and a production deploy or an
 * IaC apply that a pull request's pipeline runs (`pipeline.pull-request-deploy`).
 */
import { isProductionEnvironment } from '../repo/index.js';
import { hit, type FileHit } from '../iam-eval/index.js';
import type { RepositorySource } from './drift.js';
import { oidcEnabled, pipelineSteps, type Step } from './pipeline-steps.js';
import { canChangeResources, rolePolicyOf } from './step-roles.js';

const PULL_REQUESTS = /^pull-requests:/;

/** Commands that apply infrastructure as code. */
const IAC_APPLY: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /\b(?:terraform|tofu|terragrunt)\s+(?:-\S+\s+)*(?:apply|destroy)\b/, what: 'terraform apply' },
  {
    pattern: /\baws\s+cloudformation\s+(?:deploy|create-stack|update-stack|execute-change-set|delete-stack)\b/,
    what: 'aws cloudformation deploy',
  },
  { pattern: /\bcdk\s+(?:-\S+\s+)*(?:deploy|destroy)\b/, what: 'cdk deploy' },
  { pattern: /\bsam\s+deploy\b/, what: 'sam deploy' },
  { pattern: /\bpulumi\s+(?:up|destroy)\b/, what: 'pulumi up' },
  { pattern: /\b(?:serverless|sls)\s+deploy\b/, what: 'serverless deploy' },
];

const iacApply = (step: Step) =>
  step.commands.flatMap((c) =>
    c.kind === 'command'
      ? IAC_APPLY.filter((a) => a.pattern.test(c.text)).map((a) => ({ what: a.what, line: c.line }))
      : [],
  )[0];

/** A deployment environment of type production: as the manifest records it, else as its name says. */
const isProduction = (repo: RepositorySource, environment: string) =>
  isProductionEnvironment(environment, repo.model?.roles.find((r) => r.environment === environment)?.environmentType);

/** `pipeline.deploy-without-environment`: no deployment environment, so no Bitbucket deployment permissions gate it. */
export function deployWithoutEnvironment(repo: RepositorySource): FileHit[] {
  const read = repo.pipeline && pipelineSteps(repo.pipeline);
  if (!read || !repo.pipeline) return [];
  const file = repo.pipeline.file;
  return read.steps.flatMap((step) => {
    // a pull request's step is pipeline.pull-request-deploy's; an environment's step is gated
    const ungated = step.uses.filter((u) => !u.deployment && !PULL_REQUESTS.test(u.pipeline));
    if (!ungated.length || !oidcEnabled(read.src, step.map)) return [];
    const role = rolePolicyOf(repo, undefined);
    // with the trust policy at hand, trust.any-branch judges which steps it admits
    if (!role || role.trust !== undefined || !canChangeResources(role.policy)) return [];
    return [
      {
        file,
        ...hit(
          step.line,
          `${step.path} (${ungated.map((u) => u.pipeline).join(', ')}) has oidc: true and no deployment environment, and its role (${role.file}) can change resources: any branch that runs this pipeline can deploy, with none of Bitbucket's deployment permissions in the way`,
          `Give ${step.path} a deployment: environment, restrict that environment to its branch and to admins in Bitbucket (Repository settings → Deployments), and let the role trust only that environment's steps ({repo}:{environment}:*).`,
          'warning',
        ),
      },
    ];
  });
}

/** `pipeline.pull-request-deploy`: a pull request runs the code of its branch, which anyone who can push one writes. */
export function pullRequestDeploy(repo: RepositorySource): FileHit[] {
  const read = repo.pipeline && pipelineSteps(repo.pipeline);
  if (!read || !repo.pipeline) return [];
  const file = repo.pipeline.file;
  return read.steps.flatMap((step) => {
    const reasons = step.uses
      .filter((u) => PULL_REQUESTS.test(u.pipeline))
      .flatMap((u) => {
        const apply = iacApply(step);
        const role = oidcEnabled(read.src, step.map) ? rolePolicyOf(repo, u.deployment) : undefined;
        const why =
          u.deployment && isProduction(repo, u.deployment)
            ? `deploys to ${u.deployment}, a production environment`
            : apply
              ? `runs ${apply.what}${apply.line ? ` (line ${apply.line})` : ''}`
              : role && canChangeResources(role.policy)
                ? `has oidc: true and assumes a role that can change resources (${role.file})`
                : undefined;
        return why ? [{ pipeline: u.pipeline, why }] : [];
      });
    const first = reasons[0];
    if (!first) return [];
    return [
      {
        file,
        ...hit(
          step.line,
          `${step.path} ${first.why} in the pull-request pipeline ${first.pipeline}: every pull request runs it with the code of its own branch, so whoever can open one can change what is deployed`,
          `Move the step to a branches: pipeline of the protected branch (or a manual custom: pipeline) with its deployment environment; keep pull-request pipelines to build, test and plan (terraform plan, cdk diff) with a read-only role.`,
        ),
      },
    ];
  });
}
