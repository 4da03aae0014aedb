/** "Did you mean": for a mistyped command, flag or target id, the known names it was meant to be. */
import { closest } from './suggest.js';

/** The known name a typo is close to, else the known names that start with what was typed (`s3` → `s3-static-site`). */
export function meantNames(word: string, known: readonly string[]): string[] {
  const typo = closest(word, known);
  if (typo !== undefined) return [typo];
  return word.length >= 2 ? known.filter((k) => k.startsWith(word.toLowerCase())) : [];
}

/** ` (did you mean x?)`, ` (did you mean x or y?)`, or nothing; `show` spells a name as the user types it. */
export function didYouMean(word: string, known: readonly string[], show: (name: string) => string = (n) => n): string {
  const names = meantNames(word, known).map(show);
  return names.length ? ` (did you mean ${names.join(' or ')}?)` : '';
}
