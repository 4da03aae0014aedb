/** Building findings for one file, and dropping repeats (a YAML anchor used twice is one mistake). */
import type { Finding, FindingId, Severity } from './types.js';

export type Report = (id: FindingId, severity: Severity, line: number | undefined, message: string, fix: string) => Finding;

export const reporter =
  (file: string): Report =>
  (id, severity, line, message, fix) => ({ id, severity, file, ...(line === undefined ? {} : { line }), message, fix });

export function unique(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.id}\0${f.line ?? ''}\0${f.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** Findings of one file from the top down (stable: findings without a line stay first, in their order). */
export const inLineOrder = (findings: Finding[]): Finding[] => [...findings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
