/**
 * Turns a CloudFormation resource's `Properties` (long-form intrinsic functions, as parseCloudFormation
 * returns them) into plain values a registry schema can judge:
 * - `Fn::If` yields one variant per branch, and `Ref: AWS::NoValue` removes the property or list item;
 * - a `Ref` to a Number parameter yields its Default, MinValue and MaxValue, so a value the parameter
 *   accepts but the resource refuses is caught; a `Ref` to a String parameter yields its Default when
 *   that is a real value (not empty, and within its AllowedPattern);
 * - any other function becomes a placeholder string. Its value is unknown until deployment, so only
 *   its type can be checked: errors about a placeholder's content (pattern, length, enum) are dropped.
 * Functions that return lists are not modelled: where one appears, the schema's type check fails loudly.
 */
import type { ErrorObject } from 'ajv';

const PLACEHOLDER = '\u27e8intrinsic\u27e9 ';
const NO_VALUE = Symbol('AWS::NoValue');
/** Beyond this many variants the template has too many branches to check by enumeration. */
const MAX_VARIANTS = 64;

export interface Parameter {
  Type?: string;
  Default?: unknown;
  AllowedPattern?: string;
  MinValue?: unknown;
  MaxValue?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPlaceholder = (v: unknown) => typeof v === 'string' && v.startsWith(PLACEHOLDER);

/** `Ref` or `Fn::…` when the value is an intrinsic function call. */
function intrinsic(v: Record<string, unknown>): string | undefined {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::')) ? keys[0] : undefined;
}

/** Every combination of the parts' variants (each part may also vanish as NO_VALUE). */
function product(parts: unknown[][]): unknown[][] {
  const out = parts.reduce<unknown[][]>(
    (acc, options) => acc.flatMap((prefix) => options.map((o) => [...prefix, o])),
    [[]],
  );
  if (out.length > MAX_VARIANTS) throw new Error(`more than ${MAX_VARIANTS} variants`);
  return out;
}

function variants(v: unknown, parameters: Record<string, Parameter>): unknown[] {
  if (Array.isArray(v))
    return product(v.map((x) => variants(x, parameters))).map((items) => items.filter((x) => x !== NO_VALUE));
  if (!isObject(v)) return [v];
  const fn = intrinsic(v);
  if (fn === 'Fn::If') {
    const args = v[fn];
    if (!Array.isArray(args) || args.length !== 3) throw new Error('Fn::If takes 3 arguments');
    return [...variants(args[1], parameters), ...variants(args[2], parameters)];
  }
  if (fn === 'Ref' && v[fn] === 'AWS::NoValue') return [NO_VALUE];
  const parameter = fn === 'Ref' ? parameters[String(v[fn])] : undefined;
  if (parameter?.Type === 'Number') {
    return [
      ...new Set(
        [parameter.Default, parameter.MinValue, parameter.MaxValue].filter((x) => x !== undefined).map(Number),
      ),
    ];
  }
  // an empty Default stands for "not given" (conditions keep it out of the resource), a Default outside
  // the pattern is refused by CloudFormation anyway: neither is a value the resource will see
  const given = parameter?.Default;
  if (typeof given === 'string' && given !== '' && new RegExp(parameter?.AllowedPattern ?? '', 'u').test(given))
    return [given];
  if (fn) return [`${PLACEHOLDER}${fn} ${JSON.stringify(v[fn])}`];
  const keys = Object.keys(v);
  return product(keys.map((k) => variants(v[k], parameters))).map((values) =>
    Object.fromEntries(keys.map((k, i) => [k, values[i]] as const).filter(([, x]) => x !== NO_VALUE)),
  );
}

/** The plain variants of a resource's Properties. */
export function propertyVariants(
  properties: unknown,
  parameters: Record<string, Parameter>,
): Array<Record<string, unknown>> {
  return variants(properties ?? {}, parameters).map((p) => {
    if (!isObject(p)) throw new Error('Properties is not a mapping');
    return p;
  });
}

/** The value at an Ajv instancePath (a JSON pointer). */
function at(instance: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (v, key) => (isObject(v) || Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined),
      instance,
    );
}

const CONTENT_KEYWORDS = new Set(['pattern', 'minLength', 'maxLength', 'format', 'enum', 'const']);

/** The errors a template can be blamed for: not those about the unknown content of a placeholder. */
export function decidableErrors(errors: readonly ErrorObject[] | null | undefined, instance: unknown): ErrorObject[] {
  return (errors ?? []).filter(
    (e) => !(CONTENT_KEYWORDS.has(e.keyword) && isPlaceholder(at(instance, e.instancePath))),
  );
}
