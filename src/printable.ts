/**
 * Text that came from input (file names, policy text, roster names, token claims) made safe to print on a
 * terminal or write into Markdown: control characters (ESC, BEL, NUL, DEL, C1, line breaks) and the
 * Unicode bidirectional overrides are shown as `\u{…}` escapes, so no input can move the cursor, recolour,
 * retitle the terminal or reorder what is shown. `keepLines` leaves line breaks of a message of several lines.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export const printable = (text: string, { keepLines = false } = {}): string =>
  text.replace(UNPRINTABLE, (c) => (keepLines && c === '\n' ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`));
