/**
 * `terraform.tfvars` read as Terraform reads it, for `iac.drift`: `name = value` lines whose values are
 * what src/render/hcl.ts writes (quoted strings with its escapes, numbers, true, false, null), with `#`,
 * `//` and `/* … *\/` comments and any spacing (`terraform fmt` aligns the `=`). Anything else (a list, a
 * heredoc, an interpolation) is not a value we write: the whole file is then reported, never skipped.
 */

export type TfvarsValue = string | number | boolean | null;

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LAYOUT = /(?:[ \t\r\n]+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/y;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** The variables a tfvars text sets, by name; or the reason it is not one we can compare. */
export function readTfvars(text: string): { values: Map<string, TfvarsValue> } | { error: string } {
  const values = new Map<string, TfvarsValue>();
  let pos = 0;
  const skip = () => {
    LAYOUT.lastIndex = pos;
    LAYOUT.exec(text);
    pos = LAYOUT.lastIndex;
  };
  const sticky = (re: RegExp) => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m) pos = re.lastIndex;
    return m?.[0];
  };
  const string = (): string | undefined => {
    let out = '';
    for (pos++; pos < text.length; pos++) {
      const c = text[pos]!;
      if (c === '"') return (pos++, out);
      if (c === '\n') return undefined;
      // an interpolation or directive: Terraform takes no expression from a tfvars file
      if ((c === '$' || c === '%') && text[pos + 1] === '{') return undefined;
      if ((c === '$' || c === '%') && text[pos + 1] === c && text[pos + 2] === '{') {
        out += `${c}{`;
        pos += 2;
      } else if (c === '\\') {
        const e = text[++pos] ?? '';
        const hex = e === 'u' ? 4 : e === 'U' ? 8 : 0;
        if (hex) {
          const digits = text.slice(pos + 1, pos + 1 + hex);
          if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) return undefined;
          out += String.fromCodePoint(Number.parseInt(digits, 16));
          pos += hex;
        } else if (e in ESCAPES) out += ESCAPES[e];
        else return undefined;
      } else out += c;
    }
    return undefined;
  };
  // counted only for a message: counting for every entry would take quadratic time on a long file
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  for (skip(); pos < text.length; skip()) {
    const start = pos;
    const name = sticky(IDENT);
    skip();
    if (!name || text[pos] !== '=' || text[pos + 1] === '=')
      return { error: `line ${lineOf(start)} is not a name = value line` };
    pos++;
    skip();
    let value: TfvarsValue | undefined;
    if (text[pos] === '"') value = string();
    else {
      const word = sticky(/true|false|null/y) ?? sticky(NUMBER);
      value =
        word === undefined ? undefined : word === 'null' ? null : /^[tf]/.test(word) ? word === 'true' : Number(word);
    }
    if (value === undefined)
      return { error: `line ${lineOf(start)}: the value of ${name} is not a string, number or true/false` };
    if (values.has(name)) return { error: `line ${lineOf(start)}: ${name} is set twice` };
    values.set(name, value);
    // what follows a value on its line: a comment only
    const rest = /[ \t]*(?:#[^\n]*|\/\/[^\n]*|\/\*[^\n]*?\*\/[ \t]*)?(?:\r?\n|$)/y;
    rest.lastIndex = pos;
    if (!rest.exec(text)) return { error: `line ${lineOf(start)}: more follows the value of ${name}` };
    pos = rest.lastIndex;
  }
  return { values };
}
