/**
 * A baseline: the findings an earlier `check --format json` reported, which a team accepts for now.
 * A finding is the same one when its rule, file and message are: never its line, so an edit above it
 * does not bring it back. The baseline file is input like any other: its shape is checked, and a
 * repository may hold it, so nothing in it is trusted beyond being a list of those three strings.
 */
import type { Finding } from './rules.js';

/** What identifies a finding across runs. */
export interface BaselineEntry {
  id: string;
  file: string;
  message: string;
}

/** At most this many findings in a baseline: more is not a baseline a person wrote down. */
export const BASELINE_MAX_FINDINGS = 10_000;

/**
 * A message as the baseline compares it: a line or column it names (`sets up … (line 14)`) is left out,
 * as the finding's own line is, so the finding keeps its identity when lines above it change.
 */
const stable = (message: string) => message.replace(/\b(lines?|columns?) \d+/g, '$1 #');

const key = (f: BaselineEntry) => JSON.stringify([f.id, f.file, stable(f.message)]);

/**
 * The entries of a baseline's JSON text (a `check --format json` report), or why it is not one, in a
 * few words for a one-line error.
 */
export function parseBaseline(text: string): { entries: BaselineEntry[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  const findings = value && typeof value === 'object' ? (value as { findings?: unknown }).findings : undefined;
  if (!Array.isArray(findings)) return { error: 'not a check report: it has no "findings" list' };
  if (findings.length > BASELINE_MAX_FINDINGS)
    return { error: `more than ${BASELINE_MAX_FINDINGS.toLocaleString('en-US')} findings` };
  const entries: BaselineEntry[] = [];
  for (const [i, f] of findings.entries()) {
    const { id, file, message } = (f ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || typeof file !== 'string' || typeof message !== 'string')
      return { error: `findings[${i}] needs "id", "file" and "message" as strings` };
    entries.push({ id, file, message });
  }
  return { entries };
}

/**
 * The findings not in the baseline, and those it suppresses. Each entry suppresses one finding: a rule
 * that now reports the same message twice in a file where the baseline had it once has one new finding.
 */
export function applyBaseline(
  findings: readonly Finding[],
  baseline: readonly BaselineEntry[],
): { findings: Finding[]; suppressed: Finding[] } {
  const left = new Map<string, number>();
  for (const e of baseline) left.set(key(e), (left.get(key(e)) ?? 0) + 1);
  const kept: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const f of findings) {
    const n = left.get(key(f)) ?? 0;
    if (n > 0) {
      left.set(key(f), n - 1);
      suppressed.push(f);
    } else kept.push(f);
  }
  return { findings: kept, suppressed };
}

/** A report judged against a baseline: only its new findings count, and the others are listed apart. */
export function withBaseline<R extends { ok: boolean; findings: Finding[] }>(
  report: R,
  baseline: readonly BaselineEntry[],
): R & { suppressed: Finding[] } {
  const { findings, suppressed } = applyBaseline(report.findings, baseline);
  return { ...report, ok: !findings.some((f) => f.severity === 'error'), findings, suppressed };
}
