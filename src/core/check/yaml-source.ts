/**
 * YAML with line numbers and YAML's sharing resolved: aliases (`*name`) and merge keys (`<<: *name`),
 * which bitbucket-pipelines.yml files use to share steps, are followed so a shared step is checked as
 * the steps that use it see it.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { DocumentAccess } from '../repo/index.js';

export interface Entry {
  key: string;
  /** Line of the key. */
  line: number | undefined;
  value: Node | null;
}

export interface YamlSource {
  doc: Document;
  /** Parse errors, each with its line. */
  errors: Array<{ message: string; line: number | undefined }>;
  line: (node: Node | null | undefined) => number | undefined;
  /** A node with aliases followed. */
  deref: (node: Node | null | undefined) => Node | null;
  map: (node: Node | null | undefined) => YAMLMap | undefined;
  seq: (node: Node | null | undefined) => YAMLSeq | undefined;
  /** A mapping's entries, merge keys expanded (the mapping's own keys win, then earlier merges). */
  entries: (map: YAMLMap) => Entry[];
  get: (map: YAMLMap | undefined, key: string) => Entry | undefined;
  /** Line of what a path of keys and indices (an Ajv instancePath, split) leads to: its key, or the list item. */
  lineAt: (path: ReadonlyArray<string>) => number | undefined;
}

const isMergeKey = (key: unknown) => isScalar(key) && (typeof key.value === 'symbol' || key.value === '<<');

/** The last text parsed, and its source: check reads a pipeline for its findings, then for the permissions its commands need. */
let last: { text: string; source: YamlSource } | undefined;

/** The source of a YAML text; the same text twice in a row is parsed once (nothing here changes a source). */
export function parseYamlSource(text: string): YamlSource {
  if (last?.text !== text) last = { text, source: parse(text) };
  return last.source;
}

function parse(text: string): YamlSource {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, merge: true, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : counter.linePos(offset).line);
  const line = (node: Node | null | undefined) => lineOf(node?.range?.[0]);
  const deref = (node: Node | null | undefined): Node | null => {
    let n = node ?? null;
    // an alias may name another alias; a cycle is a parse error already, so a few hops suffice
    for (let hops = 0; n && isAlias(n) && hops < 10; hops++) n = (n.resolve(doc) as Node | undefined) ?? null;
    return n && isAlias(n) ? null : n;
  };
  const map = (node: Node | null | undefined) => {
    const n = deref(node);
    return isMap(n) ? n : undefined;
  };
  const seq = (node: Node | null | undefined) => {
    const n = deref(node);
    return isSeq(n) ? n : undefined;
  };
  const entries = (m: YAMLMap, depth = 0): Entry[] => {
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of m.items) {
      if (isMergeKey(pair.key) && depth < 10) {
        const value = deref(pair.value as Node | null);
        const sources = isSeq(value) ? value.items.map((x) => map(x as Node)) : [map(value)];
        for (const source of sources) if (source) merged.push(...entries(source, depth + 1));
      } else {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        own.push({ key, line: line(pair.key as Node), value: (pair.value as Node | null) ?? null });
      }
    }
    const seen = new Set(own.map((e) => e.key));
    return [...own, ...merged.filter((e) => (seen.has(e.key) ? false : (seen.add(e.key), true)))];
  };
  const get = (m: YAMLMap | undefined, key: string) => (m ? entries(m).find((e) => e.key === key) : undefined);
  const lineAt = (path: ReadonlyArray<string>) => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let found = line(node);
    for (const segment of path) {
      const n = deref(node);
      if (isMap(n)) {
        const entry = get(n, segment);
        node = entry?.value;
        found = entry?.line ?? found;
      } else if (isSeq(n)) {
        node = n.items[Number(segment)] as Node | undefined;
        found = line(node) ?? found;
      } else break;
    }
    return found;
  };
  const errors = doc.errors.map((e) => ({ message: e.message.split('\n')[0] ?? e.message, line: lineOf(e.pos[0]) }));
  return { doc, errors, line, deref, map, seq, entries, get, lineAt };
}

/** The source as the pipeline walk reads it: aliases followed, merge keys expanded. */
export const yamlDocument = (src: YamlSource): DocumentAccess<Node> => ({
  entries: (node) => {
    const m = src.map(node);
    return m && src.entries(m).map((e) => ({ key: e.key, value: src.deref(e.value) }));
  },
  items: (node) => src.seq(node)?.items.map((item) => src.deref(item as Node)),
  text: (node) => {
    const n = src.deref(node);
    return isScalar(n) && typeof n.value === 'string' ? n.value : undefined;
  },
});
