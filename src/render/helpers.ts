/**
 * Handlebars helpers: the only way a value gets into a template. Each one serialises for its target
 * language and returns a SafeString, so Handlebars' HTML escaping never applies and a value can never
 * change the structure of the file (a test checks every template uses nothing else).
 */
import type { Json } from '../core/params.js';
import { shQuote } from '../core/shell.js';
import { hcl, hclIdentifier, hclString } from './hcl.js';
import { toYaml, type YamlValue } from './yaml.js';

/** The shape Handlebars recognises as already-escaped output (duck-typed, so any instance accepts it). */
class Safe {
  constructor(private readonly text: string) {}
  toString() {
    return this.text;
  }
  toHTML() {
    return this.text;
  }
}

interface HelperOptions {
  hash?: Record<string, unknown>;
}

const indentOf = (options: HelperOptions) => ' '.repeat(Number(options.hash?.['indent'] ?? 0));

/** Markdown text: characters with a meaning in Markdown or HTML are backslash-escaped, lines joined. */
export function markdownText(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').replace(/[\\`*_[\]<>#|~&]/g, (c) => `\\${c}`);
}

/** Markdown inline code: a fence longer than any run of backticks inside. */
export function markdownCode(s: string): string {
  const text = s.replace(/\s*[\r\n]+\s*/g, ' ');
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

export const helpers = {
  /** JSON document, two-space indent. */
  json: (value: Json) => new Safe(JSON.stringify(value, null, 2)),
  /** HCL expression; `indent=N` for values nested N spaces deep. */
  hcl: (value: Json, options: HelperOptions) => new Safe(hcl(value, indentOf(options))),
  /** HCL quoted string (for keys and labels that must stay strings). */
  hclString: (value: string) => new Safe(hclString(value)),
  hclIdent: (value: string) => new Safe(hclIdentifier(value)),
  /** YAML document of a mapping or sequence. */
  yaml: (value: YamlValue) => new Safe(toYaml(value).trimEnd()),
  /** Markdown-escaped text. */
  md: (value: string) => new Safe(markdownText(String(value))),
  /** Markdown inline code span. */
  code: (value: string) => new Safe(markdownCode(String(value))),
  /** A shell word (single-quoted when needed), for commands shown in the README. */
  sh: (value: string) => new Safe(shQuote(String(value))),
} as const;

export const HELPER_NAMES = Object.keys(helpers);
