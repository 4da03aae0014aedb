/**
 * Markdown as data: the prose the code writes, with each value kept apart, so the renderer escapes every
 * value for its place (text, code span, fenced block) and no value can change the document's structure.
 */
import type { Json } from './json.js';

export type MarkdownPart =
  /** Markdown written here, in the code: inserted as it is. */
  | { prose: string }
  /** A value shown as text: its Markdown and HTML characters are escaped. */
  | { text: string }
  /** A value shown as inline code. */
  | { code: string }
  /** A fenced code block holding `body`. */
  | { language: string; body: string }
  /** A fenced YAML block of a value. */
  | { yaml: Json };

export class Markdown {
  constructor(readonly parts: readonly MarkdownPart[]) {}
}

/** Prose with values: a string value is text (escaped), a Markdown value is inserted as built. */
export function md(strings: TemplateStringsArray, ...values: Array<Markdown | string>): Markdown {
  const parts: MarkdownPart[] = [];
  strings.forEach((prose, i) => {
    if (prose) parts.push({ prose });
    const value = values[i];
    if (value === undefined) return;
    if (typeof value === 'string') parts.push({ text: value });
    else parts.push(...value.parts);
  });
  return new Markdown(parts);
}

export const code = (value: string) => new Markdown([{ code: value }]);
export const fenced = (language: string, body: string) => new Markdown([{ language, body }]);
export const yamlBlock = (value: Json) => new Markdown([{ yaml: value }]);

/** The items with `separator` (prose) between them. */
export function joined(items: readonly Markdown[], separator: string): Markdown {
  return new Markdown(items.flatMap((item, i) => [...(i ? [{ prose: separator }] : []), ...item.parts]));
}

/** Values as code spans, separated by commas. */
export const codeList = (values: readonly string[]) => joined(values.map(code), ', ');
