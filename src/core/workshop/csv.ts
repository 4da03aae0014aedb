/**
 * CSV as RFC 4180 has it: fields separated by commas, records by line breaks (CRLF, LF or a lone CR),
 * a field in double quotes may hold commas, line breaks and `""` for one quote. A UTF-8 byte-order mark
 * is dropped, and lines holding nothing but blanks are skipped. Each record keeps the physical line it
 * starts on, so messages name the line an editor shows.
 */

export interface CsvRecord {
  /** Physical line the record starts on (1-based). */
  line: number;
  fields: string[];
}

export interface CsvResult {
  records: CsvRecord[];
  /** Malformed records, as `line N: …`; they are left out of `records`. */
  problems: string[];
}

/** Parses the whole text; a malformed record is reported and skipped up to the next line break. */
export function parseCsv(text: string): CsvResult {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const problems: string[] = [];
  let line = 1;
  let i = 0;

  /** Consumes one line break at `i`, if there is one. */
  const lineBreak = (): boolean => {
    if (src[i] === '\r') i += src[i + 1] === '\n' ? 2 : 1;
    else if (src[i] === '\n') i += 1;
    else return false;
    line += 1;
    return true;
  };
  const skipRecord = (): void => {
    while (i < src.length && !lineBreak()) i += 1;
  };

  while (i < src.length) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    let error: string | undefined;
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        blank = false;
        i += 1;
        for (;;) {
          if (i >= src.length) {
            error = 'a quoted field is not closed (a quote inside a quoted field is written "")';
            break;
          }
          if (src[i] === '"' && src[i + 1] === '"') ((field += '"'), (i += 2));
          else if (src[i] === '"') {
            i += 1;
            break;
          } else if (src[i] === '\r' || src[i] === '\n') {
            const from = i;
            lineBreak();
            field += src.slice(from, i);
          } else field += src[i++];
        }
        if (!error && i < src.length && src[i] !== ',' && src[i] !== '\r' && src[i] !== '\n')
          error = 'text after the closing quote of a field';
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\r' && src[i] !== '\n' && src[i] !== '"')
          field += src[i++];
        if (src[i] === '"')
          error = 'a quote inside an unquoted field (quote the whole field and write the quote as "")';
        if (field.trim() !== '') blank = false;
      }
      if (error) break;
      fields.push(field);
      if (src[i] === ',') {
        blank = false;
        i += 1;
        continue;
      }
      lineBreak();
      break;
    }
    if (error) {
      problems.push(`line ${start}: ${error}`);
      skipRecord();
    } else if (!blank) records.push({ line: start, fields });
  }
  return { records, problems };
}
