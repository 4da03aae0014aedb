/**
 * `bitbucket-pipelines.yml` as data. Credentials come from the step's OIDC token; the role ARN and
 * region from the repository variables AWS_OIDC_ROLE_ARN and AWS_DEFAULT_REGION.
 */
import type { Answers } from './answers.js';
import { shQuote } from './shell.js';
import type { Target, TargetContext } from './targets/index.js';

export const ROLE_VARIABLE = 'AWS_OIDC_ROLE_ARN';
export const REGION_VARIABLE = 'AWS_DEFAULT_REGION';
export const IMAGE = 'amazon/aws-cli:latest';

/** Session names show in CloudTrail: the build number ties a session to its pipeline run. */
const SESSION_NAME = '"bitbucket-pipelines-$BITBUCKET_BUILD_NUMBER"';

const requireVariables = [
  ': "${BITBUCKET_STEP_OIDC_TOKEN:?No OIDC token: this step needs oidc: true}"',
  `: "\${${ROLE_VARIABLE}:?Set the repository variable ${ROLE_VARIABLE} (see README.md)}"`,
  `: "\${${REGION_VARIABLE}:?Set the repository variable ${REGION_VARIABLE} (see README.md)}"`,
];

/** Lines that give the rest of the step AWS credentials from the OIDC token. */
export function credentialScript(auth: Answers['auth']): string[] {
  if (auth === 'token-file') {
    return [
      ...requireVariables,
      'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
      `printf '%s' "$BITBUCKET_STEP_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
      `export AWS_ROLE_ARN="$${ROLE_VARIABLE}" AWS_ROLE_SESSION_NAME=${SESSION_NAME}`,
    ];
  }
  // Without jq: the CLI prints the three values tab-separated, and an assignment fails the step if STS does.
  return [
    ...requireVariables,
    `credentials="$(aws sts assume-role-with-web-identity --role-arn "$${ROLE_VARIABLE}" --role-session-name ${SESSION_NAME} --web-identity-token "$BITBUCKET_STEP_OIDC_TOKEN" --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"`,
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

export type PipelineDoc = {
  image: string;
  pipelines: { custom?: Record<string, unknown[]>; branches?: Record<string, unknown[]> };
};

export function buildPipeline(answers: Answers, expectedRoleArn: string, targets: Target[], ctx: TargetContext): PipelineDoc {
  const doc: PipelineDoc = { image: IMAGE, pipelines: {} };
  for (const target of targets) {
    const p = target.pipeline(ctx);
    const step = {
      step: {
        name: p.stepName,
        oidc: true,
        script: [...credentialScript(answers.auth), ...verifyRoleScript(expectedRoleArn), ...p.script],
      },
    };
    const group = p.trigger === 'custom' ? (doc.pipelines.custom ??= {}) : (doc.pipelines.branches ??= {});
    (group[p.name] ??= []).push(step);
  }
  return doc;
}
