/**
 * Rules about how a step handles what it holds: pipes pinned to a release (`pipeline.pipe-unpinned`),
 * credentials kept out of `after-script` (`pipeline.after-script-secrets`), and TLS verification left on
 * where credentials travel (`pipeline.tls-disabled`).
 */
import { hit, type Hit } from '../iam-eval/index.js';
import type { PipelineSource } from './pipeline-findings.js';
import { oidcEnabled, type Step } from './pipeline-steps.js';
import type { YamlSource } from './yaml-source.js';

/** `name:1.2.3`, or a Docker image by digest (`docker://…@sha256:…`). */
const PINNED_PIPE = /(?::v?\d+\.\d+\.\d+(?:[-+][\w.-]+)?|@sha256:[0-9a-f]{64})$/;

/** `pipeline.pipe-unpinned`: a pipe by a moving tag runs whatever its publisher releases next, with the step's credentials. */
export const pipeUnpinned = (pipeline: PipelineSource): Hit[] =>
  pipeline.steps.flatMap((step) =>
    step.commands.flatMap((c) => {
      if (c.kind !== 'pipe' || c.reference === undefined || PINNED_PIPE.test(c.reference)) return [];
      const tag = /:([^:/]+)$/.exec(c.reference)?.[1];
      return [
        hit(
          c.line,
          `${step.path} runs the pipe ${c.name}, ${tag ? `by the moving tag :${tag}` : 'without a version'}: each run takes whatever was last published under it, with the step's credentials`,
          `Pin the pipe to a full release (${c.name.replace(/:[^:/]+$/, '')}:<major>.<minor>.<patch>, as its page lists) and update it on purpose.`,
        ),
      ];
    }),
  );

/** Names a step's credentials go by: the OIDC token, its file, and the AWS keys of a session or stored ones. */
const CREDENTIALS =
  /\$\{?(BITBUCKET_STEP_OIDC_TOKEN|AWS_WEB_IDENTITY_TOKEN_FILE|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN)\b/;

/** `pipeline.after-script-secrets`: after-script runs whatever the script's outcome, also when it failed halfway. */
export const afterScriptSecrets = (pipeline: PipelineSource): Hit[] =>
  pipeline.steps.flatMap((step) =>
    step.commands.flatMap((c) => {
      if (c.section !== 'after-script') return [];
      const text = c.kind === 'command' ? c.text : c.variables.map((v) => v.text).join('\n');
      const name =
        CREDENTIALS.exec(text)?.[1] ??
        (c.kind === 'pipe' ? c.variables.find((v) => v.name === 'AWS_OIDC_ROLE_ARN')?.name : undefined);
      if (!name) return [];
      return [
        hit(
          c.line,
          `${step.path} uses ${name} in after-script, which runs whatever the script's outcome (after a failure or a check that stopped it halfway) and which the step's checks do not guard`,
          'Use credentials only in script:, where a failed check stops the step; keep after-script to cleanup and reports that need none.',
        ),
      ];
    }),
  );

/** Ways a command turns off the check of the server's certificate. */
const TLS_OFF: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /--no-verify-ssl\b/, what: '--no-verify-ssl' },
  { pattern: /\bcurl\b.*?\s(?:-[a-zA-Z]*k[a-zA-Z]*|--insecure)(?:\s|$)/, what: 'curl -k' },
  { pattern: /\bwget\b.*\s--no-check-certificate\b/, what: 'wget --no-check-certificate' },
  { pattern: /\bNODE_TLS_REJECT_UNAUTHORIZED=["']?0\b/, what: 'NODE_TLS_REJECT_UNAUTHORIZED=0' },
  { pattern: /\bPYTHONHTTPSVERIFY=["']?0\b/, what: 'PYTHONHTTPSVERIFY=0' },
  { pattern: /\bAWS_CA_BUNDLE=["']?\/dev\/null\b/, what: 'AWS_CA_BUNDLE=/dev/null' },
  { pattern: /\bGIT_SSL_NO_VERIFY=["']?(?:1|true)\b/i, what: 'GIT_SSL_NO_VERIFY' },
  { pattern: /\bhttp\.sslVerify\s+["']?false\b/i, what: 'git http.sslVerify false' },
  { pattern: /\bstrict-ssl\s+["']?false\b/, what: 'npm strict-ssl false' },
];

/** Pipe variables that hand a pipe credentials. */
const PIPE_CREDENTIALS = /^(?:AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_OIDC_ROLE_ARN)$/;
/** An AWS CLI call signs with credentials from somewhere: the step's, or the repository's variables. */
const AWS_CLI = /(?:^|[\s;&|(])aws\s+[a-z0-9-]+\s/;

/** A step holds credentials: it asks for the OIDC token, names AWS keys or calls AWS. */
const holdsCredentials = (src: YamlSource, step: Step) =>
  oidcEnabled(src, step.map) ||
  step.commands.some((c) =>
    c.kind === 'command'
      ? CREDENTIALS.test(c.text) || AWS_CLI.test(c.text)
      : c.variables.some((v) => PIPE_CREDENTIALS.test(v.name) || CREDENTIALS.test(v.text)),
  );

/** `pipeline.tls-disabled`: without certificate checks, anyone on the network path can read the credentials the step sends. */
export const tlsDisabled = (pipeline: PipelineSource): Hit[] =>
  pipeline.steps.flatMap((step) => {
    if (!holdsCredentials(pipeline.src, step)) return [];
    return step.commands.flatMap((c) => {
      const texts = c.kind === 'command' ? [c.text] : c.variables.map((v) => `${v.name}=${v.text}`);
      const off = TLS_OFF.find((t) => texts.some((x) => t.pattern.test(x)));
      if (!off) return [];
      return [
        hit(
          c.line,
          `${step.path} turns TLS verification off (${off.what}) in a step that holds credentials: whoever sits on the network path can pose as the server and read the token or keys the step sends`,
          'Keep certificate checks on; for a private CA, point the tool at its bundle (AWS_CA_BUNDLE, CURL_CA_BUNDLE, NODE_EXTRA_CA_CERTS) instead.',
        ),
      ];
    });
  });
