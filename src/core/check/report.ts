/** What a rule reports, before `check` names it by the rule's id; and dropping repeats (a YAML anchor used twice is one mistake). */
import type { Finding, Severity } from './types.js';

/** One thing a rule found in a file; the rule table adds its id and (unless the hit is milder) its severity. */
export interface Hit {
  /** 1-based line, where it can be told. */
  line?: number;
  message: string;
  /** What to change, in one sentence. */
  fix: string;
  /** Only for a case milder than the rule's own severity. */
  severity?: Severity;
}

/** A hit of a rule that compares files with each other, in the file it names. */
export interface FileHit extends Hit {
  file: string;
}

export const hit = (line: number | undefined, message: string, fix: string, severity?: Severity): Hit => ({
  ...(line === undefined ? {} : { line }),
  message,
  fix,
  ...(severity ? { severity } : {}),
});

export function unique(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.id}\0${f.line ?? ''}\0${f.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** Findings of one file from the top down (stable: findings without a line stay first, in their order). */
export const inLineOrder = (findings: Finding[]): Finding[] => [...findings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
