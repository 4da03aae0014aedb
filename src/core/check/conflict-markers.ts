/**
 * `repo.merge-conflict`: a file that still holds the markers of a merge (`update` leaves them where the
 * user's edits and ours overlap). Named as what it is, at the lines of its conflicts: the file's own
 * rules (YAML, JSON, HCL) would only report the syntax error the markers make, so they wait until it is resolved.
 */
import { conflictMarkerLines } from '../repo/index.js';
import { hit, type Hit, type SourceFile } from '../iam-eval/index.js';

export const conflictLines = (text: string): number[] => conflictMarkerLines(text);

export const mergeConflict = (file: SourceFile): Hit[] =>
  conflictLines(file.text).map((line) =>
    hit(
      line,
      `${file.file} has an unresolved merge conflict (<<<<<<< at line ${line}, then ======= and >>>>>>>): none of its other rules can read it until it is resolved`,
      'Keep what you want between <<<<<<< and >>>>>>>, delete the three marker lines, then run check again (on a generated repository, update --force takes our version and keeps yours as a .orig file).',
    ),
  );
