/**
 * bitbucket-pipelines.yml as the pipeline rules read it, and two of them: YAML and schema
 * (`pipeline.schema`), and steps that use the OIDC token without asking for it (`pipeline.oidc-missing`).
 * The rule table (rules.ts) names them.
 */
import type { Node } from 'yaml';
import { PIPELINE_FILE } from '../facts/index.js';
import { hit, type Hit, type SourceFile } from '../iam-eval/index.js';
import { pipelineStructure } from './pipeline-structure.js';
import { schemaProblems, type SchemaValidator } from './pipeline-schema.js';
import { oidcEnabled, stepsOf, type Step } from './pipeline-steps.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

const OIDC_USES: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /BITBUCKET_STEP_OIDC_TOKEN/, what: 'reads $BITBUCKET_STEP_OIDC_TOKEN' },
  { pattern: /AWS_WEB_IDENTITY_TOKEN_FILE/, what: 'sets up AWS_WEB_IDENTITY_TOKEN_FILE' },
  { pattern: /assume-role-with-web-identity/, what: 'calls sts assume-role-with-web-identity' },
];

const pathText = (path: string[]) => path.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

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
        ? [{ what: `runs the pipe ${c.name} with AWS_OIDC_ROLE_ARN`, line: c.line, pipe: true }]
        : [];
    return OIDC_USES.filter((u) => u.pattern.test(c.text)).map((u) => ({ what: u.what, line: c.line, pipe: false }));
  });
  const first = uses[0];
  if (!first) return [];
  // Atlassian's AWS pipes take OIDC only when the token is there, and otherwise look for access keys
  const outcome = first.pipe
    ? "without the token Atlassian's AWS pipes fall back to the access keys AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the repository or workspace, and fail only when there are none"
    : 'Bitbucket gives the OIDC token only to steps that ask for it, so AWS refuses the step';
  return [
    hit(
      step.line,
      `${step.path} ${first.what}${first.line ? ` (line ${first.line})` : ''} but has no oidc: true: ${outcome}`,
      `Add oidc: true to ${step.path}.`,
    ),
  ];
}
