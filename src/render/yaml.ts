/**
 * A small YAML emitter for the files we generate (pipeline, CloudFormation). Block style, and every
 * string that a YAML 1.1 or 1.2 reader could take for anything but that exact string is double-quoted
 * (JSON escapes are valid YAML). Kept in-house so `new` does not load a full YAML library.
 */

/** A tagged node such as CloudFormation's `!Sub "…"` or `!If [ … ]`. */
export class Tagged {
  constructor(
    readonly tag: string,
    readonly value: YamlValue,
  ) {}
}

export type YamlValue = string | number | boolean | null | Tagged | YamlValue[] | { [key: string]: YamlValue };

// Words some YAML reader (1.1 included, as Bitbucket's and CloudFormation's may be) takes for a non-string.
const RESERVED = /^(?:~|null|true|false|yes|no|on|off|y|n|[-+]?\.?(?:inf|nan))$/i;
const NUMBERISH = /^[-+]?(?:\.?\d|0[xob])/i;
const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ud800-\udfff]/;

function isPlainSafe(s: string): boolean {
  return (
    s.length > 0 &&
    !/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) &&
    !/[\s:]$/.test(s) &&
    !/: |\s#|:$/.test(s) &&
    !RESERVED.test(s) &&
    !NUMBERISH.test(s) &&
    !UNSAFE_CHAR.test(s) &&
    !/^(?:<<|=)$/.test(s)
  );
}

/** A double-quoted scalar: JSON's escapes plus the characters YAML treats as breaks or BOM. */
function quote(s: string): string {
  // JSON.stringify already escapes C0 controls and lone surrogates
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Plain when unambiguous; else single-quoted (readable for shell lines), double-quoted for control characters. */
export function yamlScalar(s: string): string {
  if (isPlainSafe(s)) return s;
  return UNSAFE_CHAR.test(s) || s !== s.trim() ? quote(s) : `'${s.replace(/'/g, "''")}'`;
}

function inline(v: YamlValue): string | undefined {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return yamlScalar(v);
  if (v instanceof Tagged) {
    const inner = inline(v.value);
    return inner === undefined ? undefined : `${v.tag} ${inner}`;
  }
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  return Object.keys(v).length === 0 ? '{}' : undefined;
}

function block(v: YamlValue, indent: string): string[] {
  if (Array.isArray(v)) {
    return v.flatMap((item) => {
      const one = inline(item);
      if (one !== undefined) return [`${indent}- ${one}`];
      const lines = nested(item, `${indent}  `);
      // `- key: value` keeps the first line of a mapping or sequence on the dash
      return [`${indent}- ${lines[0]!.trimStart()}`, ...lines.slice(1)];
    });
  }
  if (v instanceof Tagged || v === null || typeof v !== 'object') throw new Error('block() takes a collection');
  return Object.entries(v).flatMap(([key, item]) => {
    const k = yamlScalar(key);
    const one = inline(item);
    if (one !== undefined) return [`${indent}${k}: ${one}`];
    if (item instanceof Tagged) return [`${indent}${k}: ${item.tag}`, ...nested(item.value, `${indent}  `)];
    return [`${indent}${k}:`, ...nested(item, `${indent}  `)];
  });
}

function nested(v: YamlValue, indent: string): string[] {
  if (v instanceof Tagged) {
    const lines = nested(v.value, indent);
    return [`${indent}${v.tag}`, ...lines];
  }
  return block(v, indent);
}

/** A YAML document for a mapping or sequence. */
export function toYaml(value: YamlValue): string {
  return `${block(value, '').join('\n')}\n`;
}
