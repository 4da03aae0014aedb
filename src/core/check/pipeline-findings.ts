/**
 * Rules about bitbucket-pipelines.yml: YAML and schema (`pipeline.schema`), steps that use the OIDC
 * token without asking for it (`pipeline.oidc-missing`), and steps that still rely on stored access keys
 * (`pipeline.static-keys`). The rule table (rules.ts) names them.
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { PIPELINE_FILE } from '../facts/index.js';
import { hit, type Hit, type SourceFile } from '../iam-eval/index.js';
import { walkSteps } from '../repo/index.js';
import { pipelineStructure } from './pipeline-structure.js';
import { schemaProblems, type SchemaValidator } from './pipeline-schema.js';
import { parseYamlSource, yamlDocument, type YamlSource } from './yaml-source.js';

/** A command of a step, or a pipe with its variables, in the order the step runs them. */
type Command =
  | { kind: 'command'; text: string; line: number | undefined }
  | {
      kind: 'pipe';
      name: string;
      line: number | undefined;
      variables: Array<{ name: string; text: string; line: number | undefined }>;
    };

const STATIC_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
/** `$AWS_ACCESS_KEY_ID`, `${AWS_ACCESS_KEY_ID}`, `${AWS_ACCESS_KEY_ID:-…}`: a use, not an assignment. */
const STATIC_KEY_USE = /\$\{?(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)\b/g;
const STATIC_KEY_ASSIGNMENT = /\b(?:AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=/;
const STS_CALL = /\bsts\s+assume-role(?:-with-web-identity)?\b/;
/** A key written into the step itself: an access key ID, a key assigned a literal, `aws configure set` of one. */
const LITERAL_KEYS: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/, what: 'an access key ID written literally' },
  {
    pattern: /\b(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)\s*[=:]\s*["']?[^\s"'$`]/,
    what: 'an access key assigned literally',
  },
  {
    pattern: /\baws\s+configure\s+set\s+(?:\S+\.)?aws_(?:access_key_id|secret_access_key)\b/i,
    what: 'aws configure set of an access key',
  },
];
const literalKeys = (text: string) => LITERAL_KEYS.filter((k) => k.pattern.test(text)).map((k) => k.what);

const OIDC_USES: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /BITBUCKET_STEP_OIDC_TOKEN/, what: 'reads $BITBUCKET_STEP_OIDC_TOKEN' },
  { pattern: /AWS_WEB_IDENTITY_TOKEN_FILE/, what: 'sets up AWS_WEB_IDENTITY_TOKEN_FILE' },
  { pattern: /assume-role-with-web-identity/, what: 'calls sts assume-role-with-web-identity' },
];

const pathText = (path: string[]) => path.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

function commandsOf(src: YamlSource, step: YAMLMap): Command[] {
  const out: Command[] = [];
  for (const key of ['script', 'after-script']) {
    for (const item of src.seq(src.get(step, key)?.value)?.items ?? []) {
      const node = src.deref(item as Node);
      if (isScalar(node) && typeof node.value === 'string')
        out.push({ kind: 'command', text: node.value, line: src.line(node) });
      else if (isMap(node)) {
        const pipe = src.get(node, 'pipe');
        const name = src.deref(pipe?.value);
        const variables = src.map(src.get(node, 'variables')?.value);
        out.push({
          kind: 'pipe',
          name: isScalar(name) ? String(name.value) : 'pipe',
          line: pipe?.line ?? src.line(node),
          variables: (variables ? src.entries(variables) : []).map((v) => ({
            name: v.key,
            text: stringsIn(src, v.value).join('\n'),
            line: v.line,
          })),
        });
      }
    }
  }
  return out;
}

function stringsIn(src: YamlSource, node: Node | null, depth = 0): string[] {
  const n = src.deref(node);
  if (isScalar(n)) return typeof n.value === 'string' ? [n.value] : [];
  if (depth > 20) return [];
  if (isSeq(n)) return n.items.flatMap((x) => stringsIn(src, x as Node, depth + 1));
  if (isMap(n)) return src.entries(n).flatMap((e) => stringsIn(src, e.value, depth + 1));
  return [];
}

export function oidcEnabled(src: YamlSource, step: YAMLMap): boolean {
  const value = src.deref(src.get(step, 'oidc')?.value);
  return (isScalar(value) && value.value === true) || isMap(value);
}

/** A step of the pipeline with its commands, in the order it runs them. */
export interface Step {
  map: YAMLMap;
  /** Line of the `step:` key. */
  line: number | undefined;
  /** Where it is, e.g. `pipelines.branches.main[0].step`. */
  path: string;
  commands: Command[];
}

/** Every step once: a shared (anchored) step that several items use is looked into at its first use. */
export function stepsOf(src: YamlSource, root: YAMLMap): Step[] {
  const seen = new Set<YAMLMap>();
  return walkSteps<Node>(root, yamlDocument(src)).flatMap((walked) => {
    const map = src.map(walked.step);
    if (!map || seen.has(map)) return [];
    seen.add(map);
    const path = walked.path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
    return [{ map, line: src.lineAt(walked.path.map(String)), path, commands: commandsOf(src, map) }];
  });
}

/** bitbucket-pipelines.yml as the rules read it. */
export interface PipelineSource {
  /** What is wrong with the file itself: YAML, Atlassian's schema, the structure (`pipeline.schema`). */
  problems: Hit[];
  src: YamlSource;
  /** None when the file cannot be read as a pipeline. */
  steps: Step[];
  /** The file's top level, when it is a mapping. */
  root?: NonNullable<ReturnType<YamlSource['map']>>;
  /** The day of the check (YYYY-MM-DD): what is past its end of life depends on it. */
  today: string;
}

/** The pipeline, its problems and its steps; with Atlassian's schema (compiled) the file is also validated against it. */
export function readPipeline(file: SourceFile, now: Date, schemaValidator?: SchemaValidator): PipelineSource {
  const src = parseYamlSource(file.text);
  const today = now.toISOString().slice(0, 10);
  const unreadable = (problems: Hit[]): PipelineSource => ({ problems, src, steps: [], today });
  if (src.errors.length) {
    return unreadable(
      src.errors.map((e) =>
        hit(
          e.line,
          `not valid YAML: ${e.message}`,
          'Fix the YAML at this line (indentation, quoting, a key given twice).',
        ),
      ),
    );
  }
  let value: unknown;
  try {
    value = src.doc.toJS();
  } catch (e) {
    return unreadable([hit(undefined, `cannot be read: ${(e as Error).message}`, 'Use fewer aliases.')]);
  }
  const root = src.map(src.doc.contents as Node | null);
  if (!root)
    return unreadable([
      hit(1, 'the file is not a mapping with a pipelines: section', 'Start the file with pipelines:.'),
    ]);
  const problems = pipelineStructure(src, root, !schemaValidator);
  const hits: Hit[] = [];
  if (schemaValidator) {
    for (const p of schemaProblems(schemaValidator, value)) {
      const where = pathText(p.path) || 'the file';
      hits.push(
        hit(
          src.lineAt(p.at),
          `${where} ${p.message} (Atlassian's schema)`,
          `Correct ${where} as Atlassian's schema of ${PIPELINE_FILE} describes.`,
        ),
      );
    }
  }
  hits.push(...problems.map((p) => hit(p.line, p.message, p.fix)));
  return {
    problems: hits,
    src,
    steps: stepsOf(src, root),
    root,
    today,
  };
}

/** `pipeline.schema`: the file is not a pipeline Bitbucket runs as written. */
export const pipelineSchema = (pipeline: PipelineSource): Hit[] => pipeline.problems;

/** `pipeline.oidc-missing`: a step uses the OIDC token without asking for it. */
export const oidcMissing = (pipeline: PipelineSource): Hit[] =>
  pipeline.steps.flatMap((step) => stepOidcMissing(pipeline.src, step));

function stepOidcMissing(src: YamlSource, step: Step): Hit[] {
  if (oidcEnabled(src, step.map)) return [];
  const uses = step.commands.flatMap((c) => {
    if (c.kind === 'pipe')
      return c.variables.some((v) => v.name === 'AWS_OIDC_ROLE_ARN')
        ? [{ what: `runs the pipe ${c.name} with AWS_OIDC_ROLE_ARN`, line: c.line }]
        : [];
    return OIDC_USES.filter((u) => u.pattern.test(c.text)).map((u) => ({ what: u.what, line: c.line }));
  });
  const first = uses[0];
  if (!first) return [];
  return [
    hit(
      step.line,
      `${step.path} ${first.what}${first.line ? ` (line ${first.line})` : ''} but has no oidc: true: Bitbucket gives the OIDC token only to steps that ask for it, so AWS refuses the step`,
      `Add oidc: true to ${step.path}.`,
    ),
  ];
}

/** `pipeline.static-keys`: steps that rely on stored access keys. */
export function staticKeys(pipeline: PipelineSource): Hit[] {
  // lines already reported, for commands a shared (anchored) step brings into several steps
  const reported = new Set<number | undefined>();
  return pipeline.steps.flatMap((step) => stepStaticKeys(pipeline.src, step, reported));
}

function stepStaticKeys(src: YamlSource, step: Step, reported: Set<number | undefined>): Hit[] {
  const uses: Array<{ line: number | undefined; names: string[]; where: string }> = [];
  // the image is pulled before any command runs: keys in its credentials are stored ones
  const image = stringsIn(src, src.get(step.map, 'image')?.value ?? null).flatMap((s) =>
    [...s.matchAll(STATIC_KEY_USE)].map((m) => m[1]!),
  );
  if (image.length)
    uses.push({ line: src.get(step.map, 'image')?.line, names: image, where: 'the image credentials use' });
  let sts = false;
  let ownKeys = false;
  for (const c of step.commands) {
    if (c.kind === 'command') {
      const names = ownKeys ? [] : [...[...c.text.matchAll(STATIC_KEY_USE)].map((m) => m[1]!), ...literalKeys(c.text)];
      if (names.length) uses.push({ line: c.line, names, where: 'the script uses' });
      sts ||= STS_CALL.test(c.text);
      // keys the step exported from an STS answer are a session's, not stored ones
      ownKeys ||= sts && STATIC_KEY_ASSIGNMENT.test(c.text);
    } else if (!ownKeys) {
      for (const v of c.variables) {
        const names = [
          ...((STATIC_KEYS as readonly string[]).includes(v.name) ? [v.name] : []),
          ...[...v.text.matchAll(STATIC_KEY_USE)].map((m) => m[1]!),
          ...literalKeys(v.text),
        ];
        if (names.length) uses.push({ line: v.line, names, where: `the pipe ${c.name} gets` });
      }
    }
  }
  return uses
    .filter((u) => (reported.has(u.line) ? false : (reported.add(u.line), true)))
    .map((u) =>
      hit(
        u.line,
        `${step.path}: ${u.where} ${[...new Set(u.names)].join(' and ')}: stored long-lived access keys, which OIDC is there to replace`,
        `Give ${step.path} oidc: true and take credentials from the role (AWS_OIDC_ROLE_ARN for Atlassian's AWS pipes, the token file for the AWS CLI), then delete the access-key variables in Bitbucket and deactivate the keys in IAM.`,
      ),
    );
}
