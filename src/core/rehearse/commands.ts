/**
 * Which commands a script line runs, read by a deliberately small shell parser: simple commands joined by
 * pipes, `&&`, `||`, `;`, `&`, subshells, `{ …; }` groups, redirections and command substitutions in
 * double quotes, `${…}` and words. Anything else (keywords, backticks, here-documents, arithmetic,
 * process substitution, a command name that is computed) is not understood and counts as unknown, so
 * a line runs only when every command in it is one rehearse knows.
 */

interface Word {
  raw: string;
  /** The word's value when it has no expansion in it. */
  value?: string;
}

interface Command {
  words: Word[];
  /** Targets of `>`, `>>`, `<` (not of `>&2`). */
  redirects: Word[];
}

class Unparsable extends Error {}

const OPERATOR = /^(\|\||&&|\|&|;;|[|;&\n])/;
const REDIRECT = /^(\d*)(>>|>&|<&|<<|<>|>\||>|<)/;
const KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'for',
  'while',
  'until',
  'do',
  'done',
  'case',
  'esac',
  'function',
  'select',
  'time',
  'coproc',
  '!',
  '[[',
  ']]',
  '{',
  '}',
]);

class Parser {
  private i = 0;
  readonly commands: Command[] = [];
  constructor(private readonly s: string) {}

  private fail(what: string): never {
    throw new Unparsable(what);
  }

  private skipBlanks(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t' || this.s.startsWith('\\\n', this.i))
      this.i += this.s[this.i] === '\\' ? 2 : 1;
  }

  /** A list of commands up to the end, or up to `)` / the word `}` that closes a subshell or group. */
  list(close?: ')' | '}'): void {
    for (;;) {
      this.skipBlanks();
      const c = this.s[this.i];
      if (c === undefined) {
        if (close) this.fail(`no closing ${close}`);
        return;
      }
      if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
        continue;
      }
      if (c === '\n' || c === ';') {
        this.i++;
        continue;
      }
      if (close === ')' && c === ')') {
        this.i++;
        return;
      }
      if (close === '}' && c === '}' && /^}(?=[\s;&|)]|$)/.test(this.s.slice(this.i))) {
        this.i++;
        return;
      }
      this.pipeline();
      this.skipBlanks();
      const op = OPERATOR.exec(this.s.slice(this.i))?.[1];
      if (op === ';;') this.fail('`;;` outside case');
      if (op) this.i += op.length;
      else if (!(close && this.s[this.i] === close) && this.i < this.s.length) this.fail(`\`${this.s[this.i]}\``);
    }
  }

  private pipeline(): void {
    const c = this.s[this.i];
    if (c === '(') {
      if (this.s[this.i + 1] === '(') this.fail('arithmetic `((`');
      this.i++;
      this.list(')');
      this.redirectsOnly();
      return;
    }
    if (c === '{' && /^\{(?=[\s])/.test(this.s.slice(this.i))) {
      this.i++;
      this.list('}');
      this.redirectsOnly();
      return;
    }
    const command: Command = { words: [], redirects: [] };
    for (;;) {
      this.skipBlanks();
      const rest = this.s.slice(this.i);
      if (!rest || OPERATOR.test(rest) || rest[0] === ')') break;
      if (rest[0] === '(') this.fail('`(` inside a command');
      if (this.redirect(command)) continue;
      command.words.push(this.word());
    }
    if (!command.words.length && !command.redirects.length) this.fail('an empty command');
    this.commands.push(command);
  }

  private redirectsOnly(): void {
    const sink: Command = { words: [], redirects: [] };
    for (;;) {
      this.skipBlanks();
      if (!this.redirect(sink)) break;
    }
    if (sink.redirects.length) this.commands.push(sink);
  }

  private redirect(command: Command): boolean {
    const m = REDIRECT.exec(this.s.slice(this.i));
    if (!m) return false;
    if (m[2] === '<<') this.fail('a here-document');
    if (this.s[this.i + m[0].length] === '(') this.fail('process substitution');
    this.i += m[0].length;
    this.skipBlanks();
    const target = this.word();
    if (m[2] === '>&' || m[2] === '<&') {
      if (!/^(\d+|-)$/.test(target.value ?? '')) this.fail(`\`${m[0]}${target.raw}\``);
    } else command.redirects.push(target);
    return true;
  }

  /** One word: quotes, escapes, `$name`, `${…}` and `$(…)`; a word with an expansion has no `value`. */
  private word(): Word {
    const start = this.i;
    let value = '';
    let literal = true;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || /[\s;&|()<>]/.test(c)) break;
      const piece = c === "'" ? this.singleQuoted() : c === '"' ? this.doubleQuoted() : this.piece();
      if (piece === undefined) literal = false;
      else value += piece;
    }
    const raw = this.s.slice(start, this.i);
    if (!raw) this.fail(`\`${this.s[this.i] ?? 'end of line'}\``);
    return literal ? { raw, value } : { raw };
  }

  /** One character, escape or expansion at `i`: its text, or `undefined` for an expansion. */
  private piece(): string | undefined {
    const c = this.s[this.i]!;
    if (c === '`') this.fail('a backtick substitution');
    if (c === '\\') {
      this.i += 2;
      return this.s[this.i - 1] ?? '';
    }
    if (c === '$') return this.dollar() ? '$' : undefined;
    this.i++;
    return c;
  }

  private singleQuoted(): string {
    const end = this.s.indexOf("'", this.i + 1);
    if (end < 0) this.fail('an unclosed quote');
    const value = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return value;
  }

  /** A `"…"` at `i`: its value, or `undefined` when it holds an expansion. */
  private doubleQuoted(): string | undefined {
    let value = '';
    let literal = true;
    for (this.i++; ;) {
      const d = this.s[this.i];
      if (d === undefined) this.fail('an unclosed quote');
      if (d === '"') break;
      const piece = this.piece();
      if (piece === undefined) literal = false;
      else value += piece;
    }
    this.i++;
    return literal ? value : undefined;
  }

  /** A `$` at `i`: false when it is an expansion (its commands are collected), true for a lone `$`. */
  private dollar(): boolean {
    const next = this.s[this.i + 1];
    if (next === '(') {
      if (this.s[this.i + 2] === '(') this.fail('arithmetic `$((`');
      this.i += 2;
      this.list(')');
      return false;
    }
    if (next === '{') {
      this.i += 2;
      this.parameter();
      return false;
    }
    if (next !== undefined && /[\w@*#?$!-]/.test(next)) {
      this.i += 2;
      if (/[A-Za-z_]/.test(next)) while (/\w/.test(this.s[this.i] ?? '')) this.i++;
      return false;
    }
    this.i++;
    return true;
  }

  /** The body of `${…}` up to its `}`: a name, an operator and a word that may hold quotes and expansions. */
  private parameter(): void {
    if (!/^[#!]?[\w@*?#]/.test(this.s.slice(this.i))) this.fail('`${` without a name');
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail('an unclosed `${`');
      if (c === '}') {
        this.i++;
        return;
      }
      if (c === '`') this.fail('a backtick substitution');
      if (c === "'") this.singleQuoted();
      else if (c === '"') this.doubleQuoted();
      else if (c === '$') this.dollar();
      else if (c === '\\') this.i += 2;
      else this.i++;
    }
  }
}

/** A command's arguments as far as they are literal (`undefined` where an expansion makes them unknowable). */
type Rule = (args: Word[]) => string | undefined;

const onlyLiteral = (args: Word[]) => args.every((a) => a.value !== undefined);

/** `node -p 'require("./package.json").version'`: reads a field of a JSON file, runs no program of the repository. */
const node: Rule = (args) =>
  args.length === 2 &&
  (args[0]!.value === '-p' || args[0]!.value === '--print') &&
  /^require\((["'])\.\/[\w.-]+\.json\1\)(\.[A-Za-z_$][\w$]*)+$/.test(args[1]!.value ?? '')
    ? undefined
    : 'only node -p \'require("./<file>.json").<field>\'';

/** sed as a filter: `s` commands without the flags that run a program (`e`) or write a file (`w`). */
const sed: Rule = (args) => {
  if (!onlyLiteral(args)) return 'only literal arguments';
  const scripts = args.filter((a) => !/^-[Enr]+$/.test(a.value!));
  return scripts.length === 1 && /^s([^\w\s\\])(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1[gpI0-9]*$/.test(scripts[0]!.value!)
    ? undefined
    : 'only sed [-E|-n|-r] with one s/…/…/ command and no e or w flag';
};

/** zip can run a program to test the archive (-T, -TT, --unzip-command). */
const zip: Rule = (args) =>
  args.some((a) => (a.value === undefined ? false : /^(-[^-]*T|--(test|unzip-command|tt))/.test(a.value)))
    ? 'not with -T, -TT or --unzip-command'
    : undefined;

/** git subcommands that run neither hooks nor configured programs (push is recorded by the shim, not run). */
const GIT_SUBCOMMANDS = ['tag', 'push', 'rev-parse', 'describe', 'log', 'status', 'show', 'diff'];
const git: Rule = (args) =>
  GIT_SUBCOMMANDS.includes(args[0]?.value ?? '') &&
  !args.some((a) => /^(-c|--config|--exec|--upload-pack|--receive-pack)/.test(a.raw))
    ? undefined
    : `only git ${GIT_SUBCOMMANDS.join('|')} without options that run programs`;

/** The shim runs `python -m build`; anything else would reach the real interpreter. */
const python: Rule = (args) =>
  args[0]?.value === '-m' && args[1]?.value === 'build' ? undefined : 'only python -m build';

/** The AWS CLI, but not pointed elsewhere than the rehearsal. */
const aws: Rule = (args) =>
  args.some((a) => /^--(endpoint-url|profile|ca-bundle)/.test(a.raw))
    ? 'not with --endpoint-url, --profile or --ca-bundle'
    : undefined;

const any: Rule = () => undefined;

/**
 * The commands rehearse runs: the AWS CLI, the shell built-ins and plain utilities the generated pipelines
 * use, and (given by the caller) the commands its shims stand in for, some limited to harmless arguments.
 */
const KNOWN: Record<string, Rule> = {
  aws,
  ':': any,
  true: any,
  false: any,
  echo: any,
  printf: any,
  test: any,
  '[': any,
  export: any,
  set: any,
  unset: any,
  cd: any,
  exit: any,
  mktemp: any,
  // jq runs no program and writes only to its output
  jq: any,
  basename: any,
  dirname: any,
  node,
  sed,
  zip,
  git,
  python,
};

/** What a variable may not be set to by a step: names that decide which program runs or what it loads. */
const PROGRAM_VARIABLES =
  'PATH|HOME|TMPDIR|ENV|BASH_ENV|BASH_FUNC_.*|SHELLOPTS|BASHOPTS|PS4|IFS|CDPATH|PROMPT_COMMAND|LD_.*|NODE_.*|PYTHON.*|GIT_.*|REHEARSAL_.*|BITBUCKET_.*';

/**
 * Variables that change which programs run or where the AWS CLI talks and what it loads (AWS_CONFIG_FILE's
 * `credential_process` runs a program, AWS_CA_BUNDLE and AWS_ENDPOINT_URL redirect it), but the AWS ones
 * named in `awsAllowed` (without their `AWS_`).
 */
export const reservedVariable = (awsAllowed: readonly string[]) =>
  new RegExp(`^(${PROGRAM_VARIABLES}|AWS_(?!(${awsAllowed.join('|')})$).*)$`);

/** A step's script signs in by itself: the role, the session and the credentials STS answered are its own. */
const LINE_RESERVED = reservedVariable([
  'OIDC_ROLE_ARN',
  'DEFAULT_REGION',
  'REGION',
  'WEB_IDENTITY_TOKEN_FILE',
  'ROLE_ARN',
  'ROLE_SESSION_NAME',
  'ACCESS_KEY_ID',
  'SECRET_ACCESS_KEY',
  'SESSION_TOKEN',
]);

const ASSIGNMENT = /^([A-Za-z_]\w*)\+?=/;

/** The variables a command sets: its `NAME=…` prefixes, and what `export` names. */
function assigned(words: Word[], at: number): string[] {
  const prefixes = (at < 0 ? words : words.slice(0, at)).map((w) => ASSIGNMENT.exec(w.raw)?.[1]);
  const exported =
    at >= 0 && words[at]!.value === 'export'
      ? words.slice(at + 1).map((w) => /^([A-Za-z_]\w*)(\+?=|$)/.exec(w.raw)?.[1])
      : [];
  return [...prefixes, ...exported].filter((n): n is string => n !== undefined);
}

export interface LineVerdict {
  line: string;
  /** Each command of the line rehearse does not run, with why (empty: the line may run). */
  unknown: string[];
}

/** A static path outside the working copy: absolute (but /dev/null and the standard streams) or climbing `..`. */
const outsidePath = (w: Word) =>
  w.value !== undefined &&
  !/^\/dev\/(null|stdout|stderr)$/.test(w.value) &&
  (w.value.startsWith('/') || w.value.startsWith('~') || /(^|\/)\.\.(\/|$)/.test(w.value));

/**
 * Judges one script line. `shims` are the commands rehearse stands in for; `strict` (no sandbox) also
 * refuses redirections and `cd` to a literal path outside the working copy.
 */
export function judgeLine(line: string, shims: readonly string[], strict: boolean): LineVerdict {
  const parser = new Parser(line);
  try {
    parser.list();
  } catch (e) {
    if (e instanceof Unparsable) return { line, unknown: [`a line rehearse cannot read (${e.message})`] };
    throw e;
  }
  const unknown: string[] = [];
  for (const { words, redirects } of parser.commands) {
    const at = words.findIndex((w) => !ASSIGNMENT.test(w.raw));
    if (strict) for (const r of redirects.filter(outsidePath)) unknown.push(`a redirection to ${r.raw}`);
    for (const name of assigned(words, at).filter((n) => LINE_RESERVED.test(n))) unknown.push(`setting ${name}`);
    if (at < 0) continue;
    const name = words[at]!;
    const args = words.slice(at + 1);
    if (name.value === undefined || !/^[\w.:[-]+$/.test(name.value) || KEYWORDS.has(name.value)) {
      unknown.push(name.raw);
      continue;
    }
    const rule = Object.hasOwn(KNOWN, name.value) ? KNOWN[name.value]! : shims.includes(name.value) ? any : undefined;
    if (!rule) {
      unknown.push(name.value);
      continue;
    }
    const why = rule(args);
    if (why) unknown.push(`${name.value} (${why})`);
    if (strict && name.value === 'cd' && args.some(outsidePath)) unknown.push(`cd out of the working copy`);
  }
  return { line, unknown };
}
