/**
 * The shape of bitbucket-pipelines.yml, as Atlassian's schema describes it, for when that schema is not
 * at hand. It walks the file as written, wrong shapes included, to say where each is; the steps the
 * rules look into come from the pipeline walk (pipeline-walk.ts), which passes over what is malformed.
 */
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { PIPELINE_KINDS } from '../repo/index.js';
import { PIPELINE_FILE } from '../facts/index.js';
import { didYouMeanQuoted } from '../util/index.js';
import type { Entry, YamlSource } from './yaml-source.js';

type Spec = { what: string } & (
  | { kind: 'string' | 'boolean' | 'any' }
  | { kind: 'integer'; min: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; of: Spec }
  | { kind: 'map'; fields?: Record<string, Spec>; values?: Spec; required?: string[] }
  | { kind: 'oneOf'; of: Spec[] }
);

const str: Spec = { kind: 'string', what: 'a string' };
const bool: Spec = { kind: 'boolean', what: 'true or false' };
const anyMap: Spec = { kind: 'map', what: 'a mapping' };
const names: Spec = { kind: 'list', of: str, what: 'a list of names' };
const pipe: Spec = {
  kind: 'map',
  what: 'a pipe',
  fields: {
    pipe: str,
    variables: {
      kind: 'map',
      values: { kind: 'oneOf', of: [str, { kind: 'list', of: str, what: '' }], what: 'a string or a list of strings' },
      what: 'a mapping of variables',
    },
  },
  required: ['pipe'],
};
const script: Spec = {
  kind: 'list',
  of: { kind: 'oneOf', of: [str, pipe], what: 'a command (a string) or a pipe (`pipe:` with `variables:`)' },
  what: 'a list of commands',
};
const image: Spec = {
  kind: 'oneOf',
  of: [
    str,
    {
      kind: 'map',
      fields: {
        name: str,
        username: str,
        password: str,
        'run-as-user': { kind: 'integer', min: 0, what: 'a user ID' },
        aws: anyMap,
      },
      required: ['name'],
      what: '',
    },
  ],
  what: 'an image name, or a mapping with name: (and credentials)',
};
const trigger: Spec = { kind: 'enum', values: ['automatic', 'manual'], what: 'automatic or manual' };
const condition: Spec = {
  kind: 'map',
  fields: { changesets: anyMap },
  required: ['changesets'],
  what: 'a mapping with changesets:',
};
const clone: Spec = {
  kind: 'map',
  fields: {
    depth: {
      kind: 'oneOf',
      of: [
        { kind: 'integer', min: 1, what: '' },
        { kind: 'enum', values: ['full'], what: '' },
      ],
      what: 'a number of commits or full',
    },
    enabled: bool,
    lfs: bool,
    'skip-ssl-verify': bool,
  },
  what: 'a mapping of clone settings',
};

/**
 * Keys a step may have: the documented ones (Atlassian's schema lets any key through, so a typo such
 * as `scriptz:` would silently leave the step without its script) and their value types.
 */
export const STEP_FIELDS: Record<string, Spec> = {
  name: str,
  script,
  oidc: { kind: 'oneOf', of: [bool, { kind: 'map', fields: { audiences: names }, what: '' }], what: 'true or false' },
  image,
  caches: names,
  services: names,
  deployment: str,
  trigger,
  size: { kind: 'enum', values: ['1x', '2x', '4x', '8x', '16x', '32x'], what: 'one of 1x, 2x, 4x, 8x, 16x, 32x' },
  artifacts: { kind: 'oneOf', of: [names, anyMap], what: 'a list of paths, or a mapping' },
  'after-script': script,
  'max-time': { kind: 'integer', min: 1, what: 'a whole number of minutes' },
  clone,
  'runs-on': { kind: 'oneOf', of: [str, names], what: 'a runner label or a list of labels' },
  runtime: anyMap,
  condition,
  'fail-fast': bool,
  // documented in Atlassian's schema as well, if rarely used
  'concurrency-group': str,
  environment: str,
  type: { kind: 'enum', values: ['inline', 'pipeline'], what: 'inline or pipeline' },
  custom: str,
  'input-variables': anyMap,
};

const ROOT_FIELDS: Record<string, Spec> = {
  image,
  clone,
  options: anyMap,
  definitions: anyMap,
  export: bool,
  labels: anyMap,
  pipelines: anyMap,
};

const STAGE_FIELDS: Record<string, Spec> = { name: str, deployment: str, environment: str, trigger, condition };

export interface Problem {
  line: number | undefined;
  message: string;
  fix: string;
  /** Also when the schema is used: the schema allows unknown keys, so it cannot catch these. */
  always?: boolean;
}

const scalar = (node: Node | null) => (isScalar(node) ? node.value : undefined);

/** What is wrong with the file's shape (only what the schema cannot catch when `structural` is off). */
export function pipelineStructure(src: YamlSource, root: YAMLMap, structural: boolean): Problem[] {
  const problems: Problem[] = [];
  const seenSteps = new Set<YAMLMap>();
  const report = (line: number | undefined, message: string, fix: string) =>
    structural && problems.push({ line, message, fix });

  /** Problems of a value against a spec (empty: it fits). */
  const mismatch = (node: Node | null, spec: Spec, where: string, line: number | undefined): Problem[] => {
    const n = src.deref(node);
    const wrong = (): Problem[] => [
      { line, message: `${where} must be ${spec.what}`, fix: `Write ${where} as ${spec.what}.` },
    ];
    switch (spec.kind) {
      case 'any':
        return [];
      case 'string':
        return isScalar(n) && typeof n.value === 'string' ? [] : wrong();
      case 'boolean':
        return isScalar(n) && typeof n.value === 'boolean' ? [] : wrong();
      case 'integer': {
        const v = scalar(n);
        return typeof v === 'number' && Number.isInteger(v) && v >= spec.min ? [] : wrong();
      }
      case 'enum':
        return spec.values.includes(String(scalar(n))) && isScalar(n) ? [] : wrong();
      case 'list': {
        if (!isSeq(n) || n.items.length === 0)
          return [
            { line, message: `${where} must be ${spec.what} (at least one)`, fix: `Write ${where} as ${spec.what}.` },
          ];
        return n.items.flatMap((item, i) =>
          mismatch(item as Node, spec.of, `${where}[${i}]`, src.line(item as Node) ?? line),
        );
      }
      case 'map': {
        if (!isMap(n)) return wrong();
        const entries = src.entries(n);
        const missing = (spec.required ?? []).filter((k) => !entries.some((e) => e.key === k));
        return [
          ...missing.map((k) => ({ line, message: `${where} has no ${k}:`, fix: `Add ${k}: to ${where}.` })),
          ...entries.flatMap((e) => {
            const field = spec.fields?.[e.key] ?? spec.values;
            return field ? mismatch(e.value, field, `${where}.${e.key}`, e.line) : [];
          }),
        ];
      }
      case 'oneOf':
        return spec.of.some((s) => mismatch(n, s, where, line).length === 0) ? [] : wrong();
    }
  };
  const checkFields = (entries: Entry[], fields: Record<string, Spec>, where: string) => {
    for (const e of entries) {
      const spec = fields[e.key];
      if (spec && structural) problems.push(...mismatch(e.value, spec, where ? `${where}.${e.key}` : e.key, e.line));
    }
  };
  // a key of a shared (anchored) step reaches several steps through merge keys: one finding
  const reportedKeys = new Set<number | undefined>();
  const unknownKeys = (entries: Entry[], known: readonly string[], where: string, what: string) => {
    for (const e of entries.filter((x) => !known.includes(x.key) && !reportedKeys.has(x.line))) {
      reportedKeys.add(e.line);
      problems.push({
        line: e.line,
        message: `${where} has the unknown key ${JSON.stringify(e.key)}${didYouMeanQuoted(e.key, known)}: Bitbucket does not know it as ${what}`,
        fix: `Rename or remove ${JSON.stringify(e.key)}; ${what} keys are ${known.join(', ')}.`,
        always: true,
      });
    }
  };

  const step = (node: Node | null, line: number | undefined, where: string) => {
    const map = src.map(node);
    if (!map)
      return void report(
        line,
        `${where} must be a mapping of step keys (name:, script:, …)`,
        "Indent the step's keys under step:.",
      );
    if (seenSteps.has(map)) return;
    seenSteps.add(map);
    const entries = src.entries(map);
    unknownKeys(entries, Object.keys(STEP_FIELDS), where, 'a step');
    checkFields(entries, STEP_FIELDS, where);
    const isPipelineStep = entries.some((e) => e.key === 'type' && scalar(e.value) === 'pipeline');
    if (!isPipelineStep && !entries.some((e) => e.key === 'script')) {
      problems.push({
        line,
        message: `${where} has no script: a step runs the commands of its script`,
        fix: "Add script: with the step's commands.",
        always: true,
      });
    }
  };

  const stepItems = (node: Node | null, line: number | undefined, where: string) => {
    const list = src.seq(node);
    if (!list || list.items.length === 0)
      return void report(line, `${where} must be a list of steps (- step: …)`, 'List the steps as - step: items.');
    list.items.forEach((item, i) => {
      const m = src.map(item as Node);
      const entry = src.get(m, 'step');
      if (!m || !entry)
        return void report(
          src.line(item as Node) ?? line,
          `${where}[${i}] must be - step: …`,
          'Only steps may stand here.',
        );
      step(entry.value, entry.line, `${where}[${i}].step`);
    });
  };

  const items = (node: Node | null, line: number | undefined, where: string, custom: boolean) => {
    const list = src.seq(node);
    if (!list || list.items.length === 0)
      return void report(
        line,
        `${where} must be a list of steps, stages or parallel groups`,
        `Write ${where} as a list of - step: items.`,
      );
    const kinds = custom ? ['step', 'parallel', 'stage', 'variables'] : ['step', 'parallel', 'stage'];
    list.items.forEach((item, i) => {
      const at = `${where}[${i}]`;
      const itemLine = src.line(item as Node) ?? line;
      const m = src.map(item as Node);
      const entries = m ? src.entries(m) : [];
      const kind = entries.filter((e) => kinds.includes(e.key));
      if (kind.length !== 1)
        return void report(
          itemLine,
          `${at} must be one of ${kinds.map((k) => `${k}:`).join(', ')}`,
          `Start the item with - step: (or - stage:, - parallel:).`,
        );
      for (const extra of entries.filter((e) => e !== kind[0])) {
        report(
          extra.line,
          `${at} has ${extra.key}: beside ${kind[0]!.key}:${didYouMeanQuoted(extra.key, kinds)}`,
          `Indent ${extra.key}: under ${kind[0]!.key}: if it belongs to it, or remove it.`,
        );
      }
      const { key, value, line: keyLine } = kind[0]!;
      if (key === 'step') step(value, keyLine, `${at}.step`);
      else if (key === 'parallel') {
        const expanded = src.map(value);
        if (expanded) {
          checkFields(src.entries(expanded), { 'fail-fast': bool }, `${at}.parallel`);
          const inner = src.get(expanded, 'steps');
          stepItems(inner?.value ?? null, inner?.line ?? keyLine, `${at}.parallel.steps`);
        } else stepItems(value, keyLine, `${at}.parallel`);
      } else if (key === 'stage') {
        const stage = src.map(value);
        if (!stage)
          return void report(keyLine, `${at}.stage must be a mapping with steps:`, 'Give the stage its steps: list.');
        checkFields(src.entries(stage), STAGE_FIELDS, `${at}.stage`);
        const inner = src.get(stage, 'steps');
        stepItems(inner?.value ?? null, inner?.line ?? keyLine, `${at}.stage.steps`);
      }
    });
  };

  /** A pipeline: its items, or an import from another repository. */
  const pipeline = (entry: Entry, where: string, custom: boolean) => {
    const m = src.map(entry.value);
    const imported = src.get(m, 'import');
    if (imported) checkFields([imported], { import: str }, where);
    else items(entry.value, entry.line, where, custom);
  };

  const rootEntries = src.entries(root);
  unknownKeys(rootEntries, Object.keys(ROOT_FIELDS), PIPELINE_FILE, 'a top-level section');
  checkFields(rootEntries, ROOT_FIELDS, '');
  const pipelines = src.get(root, 'pipelines');
  if (!pipelines)
    report(
      1,
      `${PIPELINE_FILE} has no pipelines: section`,
      'Add pipelines: with at least a default: or branches: pipeline.',
    );
  const groups = src.map(pipelines?.value);
  if (!groups) return problems;
  const groupEntries = src.entries(groups);
  unknownKeys(groupEntries, PIPELINE_KINDS, 'pipelines', 'a kind of pipeline');
  for (const group of groupEntries) {
    const where = `pipelines.${group.key}`;
    if (group.key === 'default') pipeline(group, where, false);
    else if ((PIPELINE_KINDS as readonly string[]).includes(group.key)) {
      const byName = src.map(group.value);
      if (!byName) {
        report(
          group.line,
          `${where} must be a mapping of names to pipelines`,
          `Put each pipeline under a name (a branch, a tag, or a custom pipeline's name).`,
        );
        continue;
      }
      for (const named of src.entries(byName)) {
        const at = `${where}.${named.key}`;
        const destinations = group.key === 'pull-requests' ? src.get(src.map(named.value), 'destinations') : undefined;
        if (destinations) {
          const byDestination = src.map(destinations.value);
          if (!byDestination)
            report(
              destinations.line,
              `${at}.destinations must be a mapping of branches to pipelines`,
              'Put each pipeline under a destination branch.',
            );
          else for (const d of src.entries(byDestination)) pipeline(d, `${at}.destinations.${d.key}`, false);
        } else pipeline(named, at, group.key === 'custom');
      }
    }
  }
  return problems;
}
