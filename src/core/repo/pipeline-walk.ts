/**
 * The steps of a bitbucket-pipelines.yml, walked once for every reader: plain steps, `stage: {steps}`,
 * `parallel: [...]` and `parallel: {steps, fail-fast}`, in every pipeline. Readers hold the document
 * differently (a parsed value for `run` and `rehearse`, YAML nodes with lines for `check`), so the walk
 * reads it through a small accessor; aliases and merge keys are the accessor's to resolve. Pure.
 */
import { isObject } from '../util/index.js';

/** The kinds of pipeline Bitbucket runs (`default` is one pipeline, the others are keyed by name). */
export const PIPELINE_KINDS = ['default', 'branches', 'custom', 'pull-requests', 'tags'] as const;

/** How the walk reads a document whose nodes are `N`. */
export interface DocumentAccess<N> {
  /** A mapping's entries in order (merge keys expanded), or undefined when `node` is not a mapping. */
  entries: (node: N | null | undefined) => Array<{ key: string; value: N | null }> | undefined;
  /** A list's items, or undefined when `node` is not a list. */
  items: (node: N | null | undefined) => Array<N | null> | undefined;
  /** A string's value, or undefined when `node` is not a string. */
  text: (node: N | null | undefined) => string | undefined;
}

/** Where a step is: keys and list indices from the top of the document, e.g. `pipelines, custom, x, 0, step`. */
export type DocumentPath = ReadonlyArray<string | number>;

export interface WalkedStep<N> {
  /** The step's mapping (the value of `step:`). */
  step: N;
  /** `default`, `custom:<name>`, `branches:<name>`, `tags:<name>`, `pull-requests:<name>`. */
  pipeline: string;
  /** The stage the step is in; its `deployment` applies to its steps. */
  stage?: { name?: string; deployment?: string };
  /** The step's own deployment environment, else its stage's. */
  deployment?: string;
  /** The step's own trigger, else its stage's; Bitbucket's default is automatic. */
  trigger: 'manual' | 'automatic';
  /** In a `parallel:` group. */
  parallel: boolean;
  /** The path of the `step:` key. */
  path: DocumentPath;
}

export interface WalkedPipeline<N> {
  id: string;
  path: DocumentPath;
  steps: Array<WalkedStep<N>>;
}

/** A parsed document (JSON-like values, aliases already shared objects) read through the walk's accessor. */
export const plainDocument: DocumentAccess<unknown> = {
  entries: (node) => (isObject(node) ? Object.entries(node).map(([key, value]) => ({ key, value })) : undefined),
  items: (node) => (Array.isArray(node) ? node : undefined),
  text: (node) => (typeof node === 'string' ? node : undefined),
};

/** The value of `key` in a mapping node. */
export const fieldOf = <N>(access: DocumentAccess<N>, node: N | null | undefined, key: string) =>
  access.entries(node)?.find((e) => e.key === key)?.value;

const triggerOf = (value: string | undefined) => (value === 'manual' || value === 'automatic' ? value : undefined);

/** Every pipeline of the document, in order, with its steps in the order Bitbucket lists them. */
export function walkPipelines<N>(root: N | null | undefined, access: DocumentAccess<N>): Array<WalkedPipeline<N>> {
  const field = (node: N | null | undefined, key: string) => fieldOf(access, node, key);

  type Context = Pick<WalkedStep<N>, 'pipeline' | 'parallel' | 'stage'> & { trigger?: 'manual' | 'automatic' };

  /** An item that is `- step: {...}` at `at`, as a walked step; none for anything else. */
  const stepAt = (item: N | null, at: DocumentPath, context: Context): Array<WalkedStep<N>> => {
    const step = field(item, 'step');
    if (step === undefined || step === null || !access.entries(step)) return [];
    const deployment = access.text(field(step, 'deployment')) ?? context.stage?.deployment;
    const trigger = triggerOf(access.text(field(step, 'trigger'))) ?? context.trigger ?? 'automatic';
    return [{ ...context, step, ...(deployment ? { deployment } : {}), trigger, path: [...at, 'step'] }];
  };

  /** The `- step:` items of a stage or parallel group (Bitbucket nests nothing else there). */
  const stepItems = (list: N | null | undefined, at: DocumentPath, context: Context) =>
    (access.items(list) ?? []).flatMap((item, i) => stepAt(item, [...at, i], context));

  const pipeline = (id: string, value: N | null, at: DocumentPath): WalkedPipeline<N> => ({
    id,
    path: at,
    steps: (access.items(value) ?? []).flatMap((item, i): Array<WalkedStep<N>> => {
      const base = { pipeline: id, parallel: false };
      if (field(item, 'step') !== undefined) return stepAt(item, [...at, i], base);
      const stage = field(item, 'stage');
      if (stage !== undefined) {
        const name = access.text(field(stage, 'name'));
        const deployment = access.text(field(stage, 'deployment'));
        const trigger = triggerOf(access.text(field(stage, 'trigger')));
        return stepItems(field(stage, 'steps'), [...at, i, 'stage', 'steps'], {
          ...base,
          stage: { ...(name ? { name } : {}), ...(deployment ? { deployment } : {}) },
          ...(trigger ? { trigger } : {}),
        });
      }
      const parallel = field(item, 'parallel');
      if (parallel === undefined) return [];
      const expanded = access.entries(parallel) !== undefined;
      return stepItems(
        expanded ? field(parallel, 'steps') : parallel,
        expanded ? [...at, i, 'parallel', 'steps'] : [...at, i, 'parallel'],
        { ...base, parallel: true },
      );
    }),
  });

  const pipelines = field(root, 'pipelines');
  return (access.entries(pipelines) ?? []).flatMap(({ key: kind, value }) => {
    if (!(PIPELINE_KINDS as readonly string[]).includes(kind)) return [];
    if (kind === 'default') return [pipeline('default', value, ['pipelines', 'default'])];
    return (access.entries(value) ?? []).flatMap(({ key: name, value: items }) => {
      const id = `${kind}:${name}`;
      const at = ['pipelines', kind, name];
      // a pull-request pipeline may be split by destination branch
      const destinations = kind === 'pull-requests' ? access.entries(field(items, 'destinations')) : undefined;
      if (!destinations) return [pipeline(id, items, at)];
      const walked = destinations.map((d) => pipeline(id, d.value, [...at, 'destinations', d.key]));
      return [{ id, path: at, steps: walked.flatMap((p) => p.steps) }];
    });
  });
}

/** Every step of every pipeline. */
export const walkSteps = <N>(root: N | null | undefined, access: DocumentAccess<N>): Array<WalkedStep<N>> =>
  walkPipelines(root, access).flatMap((p) => p.steps);
