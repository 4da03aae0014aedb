/**
 * HCL serialisation of JSON-like values for the Terraform files. Strings are HCL templates: literal
 * text is escaped (quotes, backslashes, control characters, and `${`/`%{` which would start an
 * interpolation), parameter markers become `${var.…}` interpolations.
 */
import { paramSpec, splitParams } from '../core/facts/index.js';
import type { Json } from '../core/util/index.js';

function literal(text: string): string {
  return (
    text
      .replace(/[\\"]/g, (c) => `\\${c}`)
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replace(
        /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      )
      // a function: in a replacement string `$$` means one `$`, which would drop the escape
      .replace(/\$\{/g, () => '$${')
      .replace(/%\{/g, '%%{')
  );
}

/** A quoted HCL string; markers become interpolations of their Terraform expressions. */
export function hclString(s: string): string {
  const parts = splitParams(s);
  const body = parts
    .map((part, i) => {
      if (typeof part !== 'string') return `\${${paramSpec(part.param).terraform}}`;
      // a `$` right before an interpolation would read as the escape `$${`: write it as an expression
      return i + 1 < parts.length && part.endsWith('$') ? `${literal(part.slice(0, -1))}\${"$"}` : literal(part);
    })
    .join('');
  return `"${body}"`;
}

/** A string that is one marker and nothing else is written as the bare expression (`var.role_name`). */
function hclValueString(s: string): string {
  const parts = splitParams(s);
  const only = parts.length === 1 ? parts[0] : undefined;
  return only !== undefined && typeof only !== 'string' ? paramSpec(only.param).terraform : hclString(s);
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** An HCL expression for a value, objects and lists laid out over lines at the given indent. */
export function hcl(value: Json, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return hclValueString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${hcl(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const key = (k: string) => (IDENT.test(k) && !/^(null|true|false)$/.test(k) ? k : hclString(k));
  return `{\n${hclAttributes(
    entries.map(([k, v]) => [key(k), hcl(v, inner)]),
    inner,
  )}\n${indent}}`;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/**
 * The columns terraform fmt counts for a name: grapheme clusters, token by token (a quoted name's
 * quotes apart from its text, so a combining mark after a quote does not join it).
 */
function columns(name: string): number {
  const count = (text: string) => [...graphemes.segment(text)].length;
  return name.startsWith('"') ? 2 + count(name.slice(1, -1)) : count(name);
}

/**
 * Lines `name = value` (names and values already HCL) laid out as terraform fmt does, so that a user's
 * `terraform fmt` changes nothing: the `=` of consecutive single-line attributes line up, and an
 * attribute whose value spans lines is not padded and ends the group.
 */
export function hclAttributes(attributes: readonly (readonly [string, string])[], indent = ''): string {
  // the key width of each attribute's group; 0 for a multi-line one, which belongs to no group
  const widths = attributes.map(([name, value]) => (value.includes('\n') ? 0 : columns(name)));
  const groupWidth = widths.map((w, i) => {
    if (w === 0) return 0;
    const end = widths.indexOf(0, i);
    const start = widths.lastIndexOf(0, i) + 1;
    return Math.max(...widths.slice(start, end === -1 ? undefined : end));
  });
  const padding = (name: string, i: number) => ' '.repeat(Math.max(0, (groupWidth[i] ?? 0) - columns(name)));
  return attributes.map(([name, value], i) => `${indent}${name}${padding(name, i)} = ${value}`).join('\n');
}

/** A block label or attribute name we write ourselves (checked, never escaped). */
export function hclIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not an HCL identifier: ${name}`);
  return name;
}

/**
 * The Terraform and AWS provider versions every generated configuration requires: a repository's and a workshop's.
 * 5.100 (the last 5.x) is the oldest the generated files are applied with in the tests; 6.x is current.
 */
export const TERRAFORM_REQUIREMENTS = {
  terraform: '>= 1.5.0',
  awsSource: 'hashicorp/aws',
  awsVersion: '>= 5.100, < 7.0',
} as const;
