/** "Did you mean": the closest known word to a typo, by edit distance with swapped neighbours as one edit. */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps (`oicd` → `oidc` is 1). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known word closest to `word` (case aside), if it is close enough to be a typo of it. */
export function closest(word: string, known: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: { word: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(w, k.toLowerCase());
    if (!best || d < best.d) best = { word: k, d };
  }
  // a third of the word may be wrong, at most 3 edits: `scriptz`, `Condtion`, `StringEqual`, not `foo` → `oidc`
  return best && best.d <= Math.min(3, Math.max(1, Math.floor(w.length / 3))) ? best.word : undefined;
}

/** ` (did you mean "x"?)`, or nothing: for names quoted in a finding (a key, a policy element). */
export function didYouMeanQuoted(word: string, known: Iterable<string>): string {
  const k = closest(word, known);
  return k ? ` (did you mean "${k}"?)` : '';
}
