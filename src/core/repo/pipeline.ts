/**
 * `bitbucket-pipelines.yml` as data. Credentials come from the step's OIDC token; the role ARN from the
 * variable AWS_OIDC_ROLE_ARN (a repository variable, or a deployment variable of each environment) and
 * the region from the repository variable AWS_DEFAULT_REGION.
 */
import type { Answers } from '../answers/index.js';
import { AWS_DEFAULT_SESSION } from '../facts/index.js';
import { shQuote } from '../util/index.js';

export const ROLE_VARIABLE = 'AWS_OIDC_ROLE_ARN';
export const REGION_VARIABLE = 'AWS_DEFAULT_REGION';

/** Session names show in CloudTrail: the build number ties a session to its pipeline run. */
const SESSION_NAME = '"bitbucket-pipelines-$BITBUCKET_BUILD_NUMBER"';

/** Lines that fail the step, naming what to set and the file that says how, when a variable is missing. */
const requireVariables = (guide: string) => [
  ': "${BITBUCKET_STEP_OIDC_TOKEN:?No OIDC token: this step needs oidc: true}"',
  `: "\${${ROLE_VARIABLE}:?Set the variable ${ROLE_VARIABLE} (see ${guide})}"`,
  `: "\${${REGION_VARIABLE}:?Set the repository variable ${REGION_VARIABLE} (see ${guide})}"`,
];

/**
 * Lines that give the rest of the step AWS credentials from the OIDC token; `guide` is the setup README.
 * The explicit call asks for `sessionSeconds` when that is longer than STS's default (the token file cannot:
 * the SDK names no duration, which the answers' rules hold it to).
 */
export function credentialScript(auth: Answers['auth'], guide: string, sessionSeconds = AWS_DEFAULT_SESSION): string[] {
  if (auth === 'token-file') {
    return [
      ...requireVariables(guide),
      'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
      `printf '%s' "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
      `export AWS_ROLE_ARN="$${ROLE_VARIABLE}" AWS_ROLE_SESSION_NAME=${SESSION_NAME}`,
    ];
  }
  // Without jq: the CLI prints the three values tab-separated, and an assignment fails the step if STS does.
  return [
    ...requireVariables(guide),
    `credentials="$(aws sts assume-role-with-web-identity --role-arn "$${ROLE_VARIABLE}" --role-session-name ${SESSION_NAME}${sessionSeconds > AWS_DEFAULT_SESSION ? ` --duration-seconds ${sessionSeconds}` : ''} --web-identity-token "$BITBUCKET_STEP_OIDC_TOKEN" --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"`,
    'set -- $credentials',
    'export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" AWS_SESSION_TOKEN="$3"',
  ];
}

/** Fails the step unless the session belongs to the expected role (catches a wrong AWS_OIDC_ROLE_ARN). */
export function verifyRoleScript(expectedRoleArn: string): string[] {
  return [
    `expected_role=${shQuote(expectedRoleArn)}`,
    'caller="$(aws sts get-caller-identity --query Arn --output text)"',
    'echo "Signed in as $caller"',
    `role="$(printf '%s' "$caller" | sed -E 's#^arn:([^:]+):sts::([0-9]+):assumed-role/([^/]+)/.*$#arn:\\1:iam::\\2:role/\\3#')"`,
    '[ "$role" = "$expected_role" ] || { echo "Expected a session of $expected_role, got $caller: check AWS_OIDC_ROLE_ARN" >&2; exit 1; }',
  ];
}

export interface PipelineStep {
  name: string;
  image: string;
  /** Absent only on a step that needs no AWS credentials. */
  oidc?: true;
  /** Minutes: a step with credentials ends when its session does (its AWS calls would fail after). */
  'max-time'?: number;
  services?: string[];
  deployment?: string;
  trigger?: 'manual';
  script: string[];
}

type Item =
  | { step: PipelineStep }
  | { stage: { name: string; deployment: string; trigger?: 'manual'; steps: Array<{ step: PipelineStep }> } };

export interface PipelineDoc {
  pipelines: { custom?: Record<string, Item[]>; branches?: Record<string, Item[]> };
}

/** One pipeline's steps for one role (no environment) or one environment. */
export interface PipelineRun {
  environment?: string;
  /** A production environment: reached only by a manual trigger. */
  gated?: boolean;
  steps: PipelineStep[];
}

/**
 * The first step of a pipeline cannot wait for a trigger: where production would come first, this
 * automatic step goes before it, so production still waits for a click.
 */
export function gateStep(image: string, environment: string): PipelineStep {
  return {
    name: `Ready to deploy to ${environment}`,
    image,
    script: [
      `echo "Commit $BITBUCKET_COMMIT is ready:" ${shQuote(`run the ${environment} step by hand to deploy it`)}`,
    ],
  };
}

/**
 * Steps of one pipeline, per environment in stage order: one step is bound to its deployment
 * environment directly; several (one per target) go into a stage bound to it, since a pipeline may use
 * each environment only once. A production environment always waits for a manual trigger.
 */
export function pipelineItems(runs: PipelineRun[]): Item[] {
  const items = runs.flatMap((run): Item[] => {
    if (!run.environment) return run.steps.map((step) => ({ step }));
    const manual = run.gated ? { trigger: 'manual' as const } : {};
    if (run.steps.length === 1) {
      // keys in the order people read a step: what, where, when, then the commands
      const { name, image, ...rest } = run.steps[0]!;
      return [{ step: { name, image, deployment: run.environment, ...manual, ...rest } }];
    }
    return [
      {
        stage: {
          name: `Deploy to ${run.environment}`,
          deployment: run.environment,
          ...manual,
          steps: run.steps.map((step) => ({ step })),
        },
      },
    ];
  });
  const first = runs[0];
  if (first?.gated && first.environment)
    return [{ step: gateStep(first.steps[0]!.image, first.environment) }, ...items];
  return items;
}
