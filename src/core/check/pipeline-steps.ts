/**
 * The steps of bitbucket-pipelines.yml as the pipeline rules read them: each step once, with its commands
 * (script and after-script, pipes with their variables) in the order it runs them, and every pipeline
 * that runs it (a shared, anchored step may run in several).
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { walkSteps } from '../repo/index.js';
import type { SourceFile } from '../iam-eval/index.js';
import { conflictLines } from './conflict-markers.js';
import { parseYamlSource, yamlDocument, type YamlSource } from './yaml-source.js';

/** A command of a step, or a pipe with its variables, in the order the step runs them. */
export type Command = { section: 'script' | 'after-script' } & (
  | { kind: 'command'; text: string; line: number | undefined }
  | {
      kind: 'pipe';
      name: string;
      /** The pipe as `pipe:` names it (`atlassian/aws-s3-deploy:1.6.0`, `docker://…`); none when it is not a string. */
      reference?: string;
      line: number | undefined;
      variables: Array<{ name: string; text: string; line: number | undefined }>;
    }
);

/** A pipeline that runs a step, and the deployment environment the step has there. */
export interface StepUse {
  /** `default`, `branches:<name>`, `pull-requests:<name>`, … */
  pipeline: string;
  deployment?: string;
}

/** A step of the pipeline with its commands, in the order it runs them. */
export interface Step {
  map: YAMLMap;
  /** Line of the `step:` key. */
  line: number | undefined;
  /** Where it is first, e.g. `pipelines.branches.main[0].step`. */
  path: string;
  commands: Command[];
  /** Every pipeline that runs it, in the file's order. */
  uses: StepUse[];
}

function commandsOf(src: YamlSource, step: YAMLMap): Command[] {
  const out: Command[] = [];
  for (const section of ['script', 'after-script'] as const) {
    for (const item of src.seq(src.get(step, section)?.value)?.items ?? []) {
      const node = src.deref(item as Node);
      if (isScalar(node) && typeof node.value === 'string')
        out.push({ section, kind: 'command', text: node.value, line: src.line(node) });
      else if (isMap(node)) {
        const pipe = src.get(node, 'pipe');
        const name = src.deref(pipe?.value);
        const variables = src.map(src.get(node, 'variables')?.value);
        out.push({
          section,
          kind: 'pipe',
          name: isScalar(name) ? String(name.value) : 'pipe',
          ...(isScalar(name) && typeof name.value === 'string' ? { reference: name.value } : {}),
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

export function stringsIn(src: YamlSource, node: Node | null, depth = 0): string[] {
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

/** Every step once: a shared (anchored) step that several items use is looked into at its first use. */
export function stepsOf(src: YamlSource, root: YAMLMap): Step[] {
  const byMap = new Map<YAMLMap, Step>();
  for (const walked of walkSteps<Node>(root, yamlDocument(src))) {
    const map = src.map(walked.step);
    if (!map) continue;
    const use = { pipeline: walked.pipeline, ...(walked.deployment ? { deployment: walked.deployment } : {}) };
    const known = byMap.get(map);
    if (known) {
      known.uses.push(use);
      continue;
    }
    const path = walked.path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
    byMap.set(map, {
      map,
      line: src.lineAt(walked.path.map(String)),
      path,
      commands: commandsOf(src, map),
      uses: [use],
    });
  }
  return [...byMap.values()];
}

/** The steps of a pipeline file for the rules that read it beside the policies; none when it does not parse. */
export function pipelineSteps(file: SourceFile): { src: YamlSource; steps: Step[] } | undefined {
  if (conflictLines(file.text).length) return undefined;
  const src = parseYamlSource(file.text);
  const root = src.errors.length ? undefined : src.map(src.doc.contents as Node | null);
  return root ? { src, steps: stepsOf(src, root) } : undefined;
}
