/**
 * JSON with line numbers: a strict parser (it accepts what JSON.parse accepts) that also remembers the
 * line of every member and element, so a finding can point at the key it is about.
 */

export type JsonPath = ReadonlyArray<string | number>;

export type JsonSource =
  | { ok: true; value: unknown; line: (path: JsonPath) => number | undefined }
  | { ok: false; error: string; line: number };

class JsonError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

export function parseJsonSource(text: string): JsonSource {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const lines = new Map<string, number>();
  const key = (path: JsonPath) => JSON.stringify(path);
  let pos = 0;

  const skip = () => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
  };
  const fail = (what: string): never => {
    throw new JsonError(
      pos >= text.length ? `unexpected end of the file (${what})` : `unexpected ${JSON.stringify(text[pos])} (${what})`,
      pos,
    );
  };
  const expect = (c: string, what: string) => {
    skip();
    if (text[pos] !== c) fail(what);
    pos++;
  };

  const string = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') {
      if (text.charCodeAt(pos) < 0x20) fail('a control character inside a string');
      pos += text[pos] === '\\' ? 2 : 1;
    }
    if (pos >= text.length) fail('an unterminated string');
    pos++;
    try {
      return JSON.parse(text.slice(start, pos)) as string;
    } catch {
      throw new JsonError('an invalid escape in a string', start);
    }
  };

  const value = (path: (string | number)[]): unknown => {
    skip();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const out: Record<string, unknown> = {};
      skip();
      if (text[pos] === '}') return (pos++, out);
      for (;;) {
        skip();
        if (text[pos] !== '"') fail('a property name in double quotes was expected');
        const keyLine = lineAt(pos);
        const name = string();
        lines.set(key([...path, name]), keyLine);
        expect(':', '":" was expected after the property name');
        // an own property even for "__proto__", as JSON.parse makes it (assignment would set the prototype)
        Object.defineProperty(out, name, {
          value: value([...path, name]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skip();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') return (pos++, out);
        else fail('"," or "}" was expected');
      }
    }
    if (c === '[') {
      pos++;
      const out: unknown[] = [];
      skip();
      if (text[pos] === ']') return (pos++, out);
      for (;;) {
        skip();
        lines.set(key([...path, out.length]), lineAt(pos));
        out.push(value([...path, out.length]));
        skip();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') return (pos++, out);
        else fail('"," or "]" was expected');
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) return ((pos += word.length), v);
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) return ((pos = NUMBER.lastIndex), Number(m[0]));
    return fail('a value was expected');
  };

  try {
    // editors on Windows may save a byte-order mark; it is no part of the document
    if (text.charCodeAt(0) === 0xfeff) pos = 1;
    skip();
    lines.set(key([]), lineAt(pos));
    const result = value([]);
    skip();
    if (pos < text.length) fail('nothing may follow the document');
    return {
      ok: true,
      value: result,
      // the nearest enclosing member that has a line: a path into a value points at its key
      line: (path) => {
        for (let n = path.length; n >= 0; n--) {
          const l = lines.get(key(path.slice(0, n)));
          if (l !== undefined) return l;
        }
        return undefined;
      },
    };
  } catch (e) {
    if (e instanceof JsonError) return { ok: false, error: e.message, line: lineAt(Math.min(e.offset, text.length)) };
    throw e;
  }
}
