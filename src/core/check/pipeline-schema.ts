/**
 * bitbucket-pipelines.yml against Atlassian's JSON schema. Ajv's errors for a `oneOf` come from every
 * branch; the ones a person can act on are the deepest, from the branch that came closest.
 * The schema comes compiled (pipeline-ajv.ts): Ajv itself is not loaded here.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';

/** The schema compiled: Ajv's validate function. */
export type SchemaValidator = ((data: unknown) => boolean) & Pick<ValidateFunction, 'errors'>;

/**
 * How Ajv compiles the schema (pipeline-ajv.ts).
 * verbose: each error carries its schema object, which tells the branches of a oneOf apart;
 * no meta-schema validation and no code optimisation pass: both cost more than they bring for one run.
 */
export const AJV_OPTIONS = {
  strict: false,
  allErrors: true,
  verbose: true,
  validateFormats: false,
  logger: false,
  validateSchema: false,
  code: { optimize: false },
} as const;
/** Atlassian keeps its definitions under `components` and annotates with `example`. */
export const AJV_VOCABULARY: readonly string[] = ['components', 'example'];

export interface SchemaProblem {
  /** Keys and indices to the offending value. */
  path: string[];
  /** Where to point: the value, or its first unexpected key. */
  at: string[];
  message: string;
}

const split = (pointer: string) =>
  pointer
    ? pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    : [];
const isPrefix = (a: string[], b: string[]) => a.length < b.length && a.every((s, i) => s === b[i]);

function describe(errors: ErrorObject[]): { message: string; extra: string[] } {
  const parts: string[] = [];
  const types = [...new Set(errors.filter((e) => e.keyword === 'type').map((e) => String(e.params['type'])))];
  if (types.length)
    parts.push(
      `must be ${types.map((t) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a ${t}`)).join(' or ')}`,
    );
  const allowed = [
    ...new Set(
      errors.filter((e) => e.keyword === 'enum').flatMap((e) => (e.params['allowedValues'] as unknown[]).map(String)),
    ),
  ];
  if (allowed.length) parts.push(`must be one of ${allowed.join(', ')}`);
  // each branch of a oneOf names the keys it does not allow; the branch that objects to fewest is the one meant
  // (told apart by their schema objects)
  const extra = new Map<unknown, string[]>();
  for (const e of errors.filter((x) => x.keyword === 'additionalProperties')) {
    extra.set(e.parentSchema, [...(extra.get(e.parentSchema) ?? []), String(e.params['additionalProperty'])]);
  }
  const fewest = [...extra.values()].sort((a, b) => a.length - b.length)[0] ?? [];
  if (fewest.length) parts.push(`has the unexpected key${fewest.length > 1 ? 's' : ''} ${fewest.join(', ')}`);
  const required = [
    ...new Set(errors.filter((e) => e.keyword === 'required').map((e) => String(e.params['missingProperty']))),
  ];
  if (required.length && !parts.length) parts.push(`needs ${required.join(' or ')}`);
  if (errors.some((e) => e.keyword === 'not')) parts.push('is not allowed here');
  const handled = new Set(['type', 'enum', 'additionalProperties', 'required', 'not', 'oneOf', 'anyOf', 'allOf', 'if']);
  for (const e of errors) if (!handled.has(e.keyword) && e.message) parts.push(e.message);
  if (!parts.length) parts.push(errors[0]?.message ?? 'does not fit the schema');
  return { message: [...new Set(parts)].join('; '), extra: fewest };
}

/** What the schema finds wrong with the value, one problem per place. */
export function schemaProblems(validate: SchemaValidator, value: unknown): SchemaProblem[] {
  if (validate(value)) return [];
  const errors = (validate.errors ?? []).map((e) => ({ e, path: split(e.instancePath) }));
  // an error about a value whose parts have errors of their own says less than they do
  const leaves = errors.filter((x) => !errors.some((y) => isPrefix(x.path, y.path)));
  const byPath = new Map<string, { path: string[]; errors: ErrorObject[] }>();
  for (const { e, path } of leaves) {
    const key = JSON.stringify(path);
    const group = byPath.get(key) ?? { path, errors: [] };
    group.errors.push(e);
    byPath.set(key, group);
  }
  return [...byPath.values()].map((g) => {
    const { message, extra } = describe(g.errors);
    return { path: g.path, at: extra.length ? [...g.path, extra[0]!] : g.path, message };
  });
}
