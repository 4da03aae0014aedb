/**
 * `pipeline.outlives-session`: a step with `oidc: true` that Bitbucket lets run longer than its AWS
 * credentials last. Its time is its own `max-time`, else the file's `options.max-time`, else Bitbucket's
 * default. Its credentials last an hour through the token file (the SDKs ask STS for no duration; an
 * Atlassian pipe given AWS_OIDC_ROLE_ARN uses the same file); through an explicit
 * `sts assume-role-with-web-identity`, its `--duration-seconds` (STS's default without it), at most the
 * role's MaxSessionDuration as the manifest's answers, else the IaC, give it, else AWS's default.
 */
import { isMap, isScalar, parseDocument, type Node } from 'yaml';
import {
  AWS_DEFAULT_SESSION,
  BITBUCKET_STEP_MAX_TIME,
  MANIFEST_FILE,
  TOKEN_FILE_SESSION,
  sessionText,
} from '../facts/index.js';
import { isObject } from '../util/index.js';
import { CFN_TAGS, resolveCfn, type RepositorySource } from './drift.js';
import { evaluateHcl } from './hcl-value.js';
import { blocks, moduleVariables, parsedFiles } from './iac-policies.js';
import { oidcEnabled, stepsOf, type Step } from './pipeline-steps.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';
import { hit, type FileHit, type SourceFile, type TerraformModule } from '../iam-eval/index.js';

/** The role's maximum session and where it was read. */
interface RoleSession {
  seconds: number;
  source: string;
}

const STS_CALL = /\bsts\s+assume-role-with-web-identity\b/;
const DURATION = /--duration-seconds(?:=|\s+)["']?([^\s"']+)/;
const TOKEN_FILE = /\bAWS_WEB_IDENTITY_TOKEN_FILE\b/;

const wholeNumber = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v)
    ? v
    : typeof v === 'string' && /^\d+$/.test(v.trim())
      ? Number(v)
      : undefined;

/** The longest MaxSessionDuration of the roles a CloudFormation template defines, with parameter defaults. */
function cloudFormationSessions(file: SourceFile): number[] {
  const doc = parseDocument(file.text, { customTags: CFN_TAGS });
  if (doc.errors.length) return [];
  const cfn = doc.toJS() as { Parameters?: unknown; Resources?: unknown };
  const refs = Object.fromEntries(
    Object.entries(isObject(cfn.Parameters) ? cfn.Parameters : {}).flatMap(([k, p]) =>
      isObject(p) && p['Default'] !== undefined ? [[k, String(p['Default'])]] : [],
    ),
  );
  return Object.values(isObject(cfn.Resources) ? cfn.Resources : {}).flatMap((r) => {
    if (!isObject(r) || r['Type'] !== 'AWS::IAM::Role') return [];
    const props = isObject(r['Properties']) ? r['Properties'] : {};
    if (!('MaxSessionDuration' in props)) return [AWS_DEFAULT_SESSION];
    const seconds = wholeNumber(resolveCfn(props['MaxSessionDuration'], refs));
    return seconds === undefined ? [] : [seconds];
  });
}

/** The longest `max_session_duration` of a module's roles, with `var.*` resolved to defaults and tfvars. */
function terraformSessions(module: TerraformModule): number[] {
  const variables = moduleVariables(module);
  const resolve = (path: string[]) => {
    const [root, name] = path;
    const raw = root === 'var' && name !== undefined ? variables.get(name) : undefined;
    if (raw === undefined) return undefined;
    const e = evaluateHcl(raw, () => undefined);
    return e.unresolved.length ? undefined : e.value;
  };
  return parsedFiles(module).flatMap((f) =>
    blocks(f.hcl, 'resource', 'aws_iam_role').flatMap(([, body]) => {
      if (!('max_session_duration' in body)) return [AWS_DEFAULT_SESSION];
      const e = evaluateHcl(body['max_session_duration'], resolve);
      const seconds = e.unresolved.length ? undefined : wholeNumber(e.value);
      return seconds === undefined ? [] : [seconds];
    }),
  );
}

/**
 * The role's maximum session: the manifest's answer, else the longest the IaC gives a role (the step may
 * assume any of them), else AWS's default.
 */
function roleSession(repo: RepositorySource): RoleSession {
  if (repo.model)
    return {
      seconds: repo.model.sessionSeconds,
      source: `the answer sessionDuration (${repo.model.answers.sessionDuration}) in ${MANIFEST_FILE}`,
    };
  const found = [
    ...repo.cloudformation.map((f) => ({ file: f.file, seconds: cloudFormationSessions(f) })),
    ...(repo.terraformModules ?? []).map((m) => ({
      file: parsedFiles(m)[0]?.file ?? 'Terraform',
      seconds: terraformSessions(m),
    })),
  ].flatMap(({ file, seconds }) => seconds.map((s) => ({ file, s })));
  const longest = found.reduce<{ file: string; s: number } | undefined>((a, x) => (a && a.s >= x.s ? a : x), undefined);
  return longest
    ? { seconds: longest.s, source: `the role's MaxSessionDuration in ${longest.file}` }
    : { seconds: AWS_DEFAULT_SESSION, source: "AWS's default, as neither the answers nor the IaC set one" };
}

/** How the step gets credentials, and so how long they last; undefined for a step that gets none from AWS. */
function credentialsOf(step: Step, role: RoleSession): { seconds: number; how: string } | undefined {
  const call = step.commands.find((c) => c.kind === 'command' && STS_CALL.test(c.text));
  if (call?.kind === 'command') {
    const given = DURATION.exec(call.text)?.[1];
    const asked = given === undefined ? AWS_DEFAULT_SESSION : wholeNumber(given);
    // a duration the file does not spell (a variable) is at most the role's
    if (asked === undefined)
      return {
        seconds: role.seconds,
        how: `its sts assume-role-with-web-identity asks for ${given}, at most the role's maximum session of ${role.seconds} s (${role.source})`,
      };
    const request =
      given === undefined ? `no --duration-seconds (STS's default, ${asked} s)` : `--duration-seconds ${asked}`;
    return asked > role.seconds
      ? {
          seconds: role.seconds,
          how: `its sts assume-role-with-web-identity asks for ${request}, more than the role's maximum session of ${role.seconds} s (${role.source}), which STS refuses`,
        }
      : {
          seconds: asked,
          how: `its sts assume-role-with-web-identity asks for ${request}, within the role's maximum session of ${role.seconds} s (${role.source})`,
        };
  }
  const tokenFile = step.commands.some((c) => c.kind === 'command' && TOKEN_FILE.test(c.text));
  const pipe = step.commands.find((c) => c.kind === 'pipe' && c.variables.some((v) => v.name === 'AWS_OIDC_ROLE_ARN'));
  if (!tokenFile && !pipe) return undefined;
  const through = tokenFile ? 'the token file' : `the pipe ${pipe?.kind === 'pipe' ? pipe.name : ''} (a token file)`;
  return {
    seconds: TOKEN_FILE_SESSION,
    how: `it gets them through ${through}: the AWS SDK asks STS for no duration, so they last ${sessionText(TOKEN_FILE_SESSION)} whatever the role allows`,
  };
}

/** The step's `max-time`: its own, else `options.max-time`, else Bitbucket's default; and the line that sets it. */
function maxTimeOf(src: YamlSource, step: Step, root: ReturnType<YamlSource['map']>) {
  const own = src.get(step.map, 'max-time');
  const global = src.get(src.map(src.get(root, 'options')?.value), 'max-time');
  const entry = own ?? global;
  if (!entry) return { minutes: BITBUCKET_STEP_MAX_TIME.default, where: "Bitbucket's default", line: step.line };
  const node = src.deref(entry.value);
  const minutes = isScalar(node) ? wholeNumber(node.value) : undefined;
  // a value that is not a whole number is pipeline.schema's to report
  return minutes === undefined
    ? undefined
    : { minutes, where: own ? 'its max-time' : 'options.max-time', line: entry.line };
}

export function outlivesSession(repo: RepositorySource): FileHit[] {
  const pipeline = repo.pipeline;
  if (!pipeline) return [];
  const src = parseYamlSource(pipeline.text);
  const root = src.errors.length ? undefined : src.map(src.doc.contents as Node | null);
  if (!root || !isMap(root)) return [];
  const role = roleSession(repo);
  return stepsOf(src, root).flatMap((step) => {
    if (!oidcEnabled(src, step.map)) return [];
    const credentials = credentialsOf(step, role);
    const time = maxTimeOf(src, step, root);
    if (!credentials || !time || time.minutes * 60 <= credentials.seconds) return [];
    const minutes = Math.floor(credentials.seconds / 60);
    return [
      {
        file: pipeline.file,
        ...hit(
          time.line,
          `${step.path} may run ${time.minutes} minutes (${time.where}) but its AWS credentials last ${minutes} minutes: ${credentials.how}; an AWS call after that fails with ExpiredToken`,
          `Give ${step.path} max-time: ${minutes} or less, or make its credentials last as long as it runs: an explicit sts assume-role-with-web-identity with --duration-seconds, and the role's MaxSessionDuration raised to match${repo.model ? ' (here the answers --auth assume-role and --session-duration of update set both)' : ''}.`,
        ),
      },
    ];
  });
}
