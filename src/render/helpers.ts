/**
 * Handlebars helpers: the only way a value gets into a template. Each one serialises for its target
 * language and returns a SafeString, so Handlebars' HTML escaping never applies and a value can never
 * change the structure of the file (a test checks every template uses nothing else).
 */
import { Markdown, type Json, shQuote } from '../core/util/index.js';
import { hcl, hclAttributes, hclIdentifier, hclString } from './hcl.js';
import { printable } from '../printable.js';
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
  return printable(s.replace(/\s*[\r\n]+\s*/g, ' ')).replace(/[\\`*_[\]<>#|~&]/g, (c) => `\\${c}`);
}

/** Markdown inline code: a fence longer than any run of backticks inside. */
export function markdownCode(s: string): string {
  const text = printable(s.replace(/\s*[\r\n]+\s*/g, ' '));
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced code block whose fence is longer than any run of backticks inside. */
export function markdownFence(language: string, text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.trimEnd()}\n${fence}`;
}

/** Markdown built as data (core/util/markdown.ts): prose as written, every value escaped for its place. */
export function markdownDocument(value: Markdown): string {
  if (!(value instanceof Markdown))
    throw new Error('the markdown helper takes Markdown built by core/util/markdown.ts');
  return value.parts
    .map((part) => {
      if ('prose' in part) return part.prose;
      if ('text' in part) return markdownText(part.text);
      if ('code' in part) return markdownCode(part.code);
      if ('yaml' in part) return markdownFence('yaml', toYaml(part.yaml as YamlValue));
      return markdownFence(part.language, part.body);
    })
    .join('');
}

export const helpers = {
  /** JSON document, two-space indent. */
  json: (value: Json) => new Safe(JSON.stringify(value, null, 2)),
  /** HCL expression; `indent=N` for values nested N spaces deep. */
  hcl: (value: Json, options: HelperOptions) => new Safe(hcl(value, indentOf(options))),
  /** HCL quoted string (for keys and labels that must stay strings); `pad=N` fills it to N characters, aligning `=` as terraform fmt does. */
  hclString: (value: string, options: HelperOptions) =>
    new Safe(hclString(value).padEnd(Number(options.hash?.['pad'] ?? 0))),
  hclIdent: (value: string) => new Safe(hclIdentifier(value)),
  /** HCL attribute lines `name = value` from `[{ name, value }]`, their `=` aligned as terraform fmt does. */
  hclAttributes: (attributes: readonly { name: string; value: Json }[], options: HelperOptions) => {
    const indent = indentOf(options);
    return new Safe(
      hclAttributes(
        attributes.map(({ name, value }) => [hclIdentifier(name), hcl(value, indent)]),
        indent,
      ),
    );
  },
  /** YAML document of a mapping or sequence. */
  yaml: (value: YamlValue) => new Safe(toYaml(value).trimEnd()),
  /** Markdown-escaped text. */
  md: (value: string) => new Safe(markdownText(String(value))),
  /** Markdown built as data: its values escaped, its prose as written. */
  markdown: (value: Markdown) => new Safe(markdownDocument(value)),
  /** Markdown inline code span. */
  code: (value: string) => new Safe(markdownCode(String(value))),
  /** Text inside a `#` comment line: a line break cannot end the comment. */
  comment: (value: string) => new Safe(String(value).replace(/\s*[\r\n]+\s*/g, ' ')),
  /** A shell word (single-quoted when needed), for commands shown in the README. */
  sh: (value: string) => new Safe(shQuote(String(value))),
} as const;

export const HELPER_NAMES = Object.keys(helpers);
