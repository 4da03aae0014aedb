/** What a rule reports, before `check` names it by the rule's id; and dropping repeats (a YAML anchor used twice is one mistake). */

export type Severity = 'error' | 'warning';

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
