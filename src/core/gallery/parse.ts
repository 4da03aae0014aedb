/**
 * Checks a target definition read from a gallery folder, so a malformed one fails with a message that
 * says which file, which field and which rule, instead of rendering a broken repository. Every field is
 * checked (type, length, characters) and a key the shape does not define is refused.
 */
import { linearPattern, MAX_PATTERN_LENGTH, PatternError, type LinearPattern } from '../util/index.js';
import { QUESTIONS, repositoryPath } from '../answers/index.js';
import { commandFlags } from '../cli/index.js';
import { PARAM_NAME } from '../facts/index.js';
import {
  fail,
  PLACEHOLDER,
  ROLE_PLACEHOLDERS,
  type TargetDefinition,
  type TargetQuestion,
  type Holds,
} from '../targets/index.js';
import { isObj, jsonValue, list, object, optionalFlag, optionalText, text, textValue, type Obj } from './fields.js';
import { checkRehearsal } from './parse-rehearsal.js';

export { DefinitionError } from '../targets/index.js';

/** Answer names of `new` itself and the role's placeholders: a target question may not take one (it would shadow it). */
const RESERVED = new Set<string>([...QUESTIONS.map((q) => q.name), ...ROLE_PLACEHOLDERS]);
/** The flags of every command: a target question taking one would get that option's value, or hide it. */
const RESERVED_FLAGS = commandFlags();
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const LINE = { max: 2000 };
/** What the role's placeholders may hold: only the role's ARN has ":" and "/". */
const ROLE_HOLDS = (name: string, c: string) => name === 'roleArn' && (c === ':' || c === '/');

const KEYS = {
  definition: [
    'id',
    'title',
    'description',
    'questions',
    'pipeline',
    'step',
    'statements',
    'notes',
    'rehearsal',
    'release',
    'build',
  ],
  question: [
    'name',
    'flag',
    'description',
    'example',
    'pattern',
    'optional',
    'default',
    'insideRepository',
    'perEnvironment',
    'sharedFallback',
  ],
  pipeline: ['trigger', 'name'],
  step: ['name', 'image', 'services', 'setup', 'script'],
  statement: ['Sid', 'Effect', 'Action', 'Resource', 'Condition', 'when'],
} as const;

function checkQuestion(raw: unknown, where: string): { question: TargetQuestion; pattern: LinearPattern } {
  const q = object(raw, where, KEYS.question);
  const name = text(q, 'name', where, {
    max: 64,
    pattern: PARAM_NAME,
    rule: 'must be camelCase letters and digits, e.g. bucketName',
  });
  if (RESERVED.has(name)) fail(`${where}.name`, `"${name}" is an answer of new itself; choose another name`);
  // answers are looked up by name in plain objects, where these names always hold a value
  if (name in Object.prototype)
    fail(`${where}.name`, `"${name}" is a name every JavaScript object has; choose another name, e.g. ${name}Value`);
  const flag = text(q, 'flag', where, {
    max: 64,
    pattern: KEBAB,
    rule: 'must be a kebab-case flag name without dashes in front',
  });
  const commands = RESERVED_FLAGS.get(flag);
  if (commands)
    fail(`${where}.flag`, `question ${name} takes --${flag}, a flag of ${commands.join(', ')}; choose another flag`);
  text(q, 'description', where, { max: 500 });
  const source = text(q, 'pattern', where, { max: MAX_PATTERN_LENGTH });
  let pattern: LinearPattern;
  try {
    new RegExp(source);
    pattern = linearPattern(source);
  } catch (e) {
    fail(
      `${where}.pattern`,
      e instanceof PatternError
        ? `${e.message}: a question's pattern must be matchable in linear time (literals, classes, groups, |, * + ? {n,m}, ^ $)`
        : 'is not a valid regular expression',
    );
  }
  if (!source.startsWith('^') || !source.endsWith('$')) fail(`${where}.pattern`, 'must be anchored with ^ and $');
  const example = text(q, 'example', where, { max: 1024 });
  if (!pattern.test(example)) fail(`${where}.example`, `"${example}" does not match the pattern`);
  for (const key of ['insideRepository', 'optional', 'perEnvironment', 'sharedFallback']) optionalFlag(q, key, where);
  if (q['sharedFallback'] === true && q['perEnvironment'] !== true)
    fail(`${where}.sharedFallback`, 'is only for a question with "perEnvironment": true');
  const fallback = optionalText(q, 'default', where, { max: 1024, empty: true });
  if (fallback !== undefined && !pattern.test(fallback))
    fail(`${where}.default`, 'must be a string matching the pattern');
  if (q['insideRepository'] === true)
    for (const [key, value] of [
      ['example', example],
      ['default', fallback],
    ] as const) {
      const rule = value === undefined ? undefined : repositoryPath(value);
      if (rule && 'error' in rule) fail(`${where}.${key}`, `a path question's ${key} ${rule.error}`);
    }
  return { question: q as unknown as TargetQuestion, pattern };
}

/** A command line of the step: a string, or `{run, when}` / `{run, unless}` with an optional question of this target. */
function checkScriptLine(line: unknown, where: string, optional: Set<string>): void {
  if (typeof line === 'string') return void textValue(line, where, LINE);
  const condition = isObj(line) ? (['when', 'unless'] as const).find((k) => k in line) : undefined;
  if (!isObj(line) || typeof line['run'] !== 'string' || !condition || typeof line[condition] !== 'string')
    fail(where, 'must be a command string or {"run": "…", "when" (or "unless"): "<optional question>"}');
  object(line, where, ['run', condition]);
  text(line, 'run', where, LINE);
  if (!optional.has(text(line, condition, where, { max: 64 })))
    fail(`${where}.${condition}`, 'must name an optional question of this target');
}

function checkStep(raw: unknown, where: string, optional: Set<string>): Obj {
  const step = object(raw, where, KEYS.step);
  text(step, 'name', where, { max: 200 });
  text(step, 'image', where, {
    max: 255,
    pattern: /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/,
    rule: 'must be a Docker image reference, e.g. amazon/aws-cli:2.36.7',
  });
  if (step['services'] !== undefined) {
    if (!Array.isArray(step['services']) || !step['services'].every((s) => typeof s === 'string'))
      fail(`${where}.services`, 'must be an array of service names');
    list(step, 'services', where, 5).forEach((s, i) =>
      textValue(s, `${where}.services[${i}]`, { max: 32, pattern: KEBAB, rule: 'must be a service name, e.g. docker' }),
    );
  }
  if (step['setup'] !== undefined) {
    if (!Array.isArray(step['setup']) || !step['setup'].every((s) => typeof s === 'string' && s))
      fail(`${where}.setup`, 'must be an array of command strings');
    list(step, 'setup', where, 50).forEach((line, i) => textValue(line, `${where}.setup[${i}]`, LINE));
  }
  list(step, 'script', where, 100).forEach((line, i) => checkScriptLine(line, `${where}.script[${i}]`, optional));
  return step;
}

function checkStatement(raw: unknown, at: string, optional: Set<string>): void {
  if (!isObj(raw)) fail(at, 'must be an object');
  const s = raw;
  text(s, 'Sid', at, { max: 100, pattern: /^[A-Za-z0-9]+$/, rule: 'must be letters and digits' });
  if (s['Effect'] !== 'Allow') fail(`${at}.Effect`, 'must be "Allow" (targets grant; they never deny)');
  for (const key of ['Action', 'Resource']) {
    const v = s[key];
    const ok = typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
    if (!ok) fail(`${at}.${key}`, 'must be a string or a non-empty array of strings');
    const values = ([] as unknown[]).concat(v);
    if (values.length > 100) fail(`${at}.${key}`, 'must have at most 100 entries');
    for (const x of values)
      textValue(x, `${at}.${key}`, {
        max: 2048,
        ...(key === 'Action'
          ? { pattern: /^[a-z0-9-]+:[A-Za-z0-9*]+$/, rule: `"${String(x)}" is not of the form service:Action` }
          : { pattern: /^\S+$/, rule: 'must hold no white space' }),
      });
  }
  if (s['Condition'] !== undefined) checkCondition(s['Condition'], `${at}.Condition`);
  if (s['when'] !== undefined && !optional.has(s['when'] as string))
    fail(`${at}.when`, 'must name an optional question of this target');
  const extra = Object.keys(s).filter((k) => !(KEYS.statement as readonly string[]).includes(k));
  if (extra.length) fail(at, `unknown key ${extra.join(', ')}`);
}

/** `{"<operator>": {"<key>": "<value>" | ["<value>", …]}}`, as IAM writes conditions. */
function checkCondition(raw: unknown, where: string): void {
  if (!isObj(raw)) fail(where, 'must be an object of condition operators');
  for (const [operator, keys] of Object.entries(raw)) {
    textValue(operator, where, {
      max: 64,
      pattern: /^((ForAnyValue|ForAllValues):)?[A-Za-z]+$/,
      rule: `"${operator}" is not a condition operator, e.g. StringEquals`,
    });
    if (!isObj(keys)) fail(`${where}.${operator}`, 'must be an object of condition keys');
    for (const [key, value] of Object.entries(keys)) {
      textValue(key, `${where}.${operator}`, {
        max: 256,
        pattern: /^\S+$/,
        rule: 'condition keys hold no white space',
      });
      const values = ([] as unknown[]).concat(value);
      if (!values.length || values.length > 100 || !values.every((x) => typeof x === 'string'))
        fail(`${where}.${operator}.${key}`, 'must be a string or a non-empty array of at most 100 strings');
      jsonValue(values, `${where}.${operator}.${key}`, 2);
    }
  }
}

function placeholdersIn(v: unknown, found: Set<string>): void {
  if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER)) found.add(m[1]!);
  else if (Array.isArray(v)) v.forEach((x) => placeholdersIn(x, found));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) (placeholdersIn(k, found), placeholdersIn(x, found));
}

/** Returns the definition when it is well formed; throws DefinitionError naming the field otherwise. */
export function parseTargetDefinition(raw: unknown, source: string): TargetDefinition {
  if (!isObj(raw)) fail(source, 'must be a JSON object');
  const id = text(raw, 'id', source, { max: 64, pattern: KEBAB, rule: 'must be a kebab-case id' });
  const where = `${source} (${id})`;
  object(raw, where, KEYS.definition);
  text(raw, 'title', where, { max: 200 });
  text(raw, 'description', where, { max: 2000 });
  optionalText(raw, 'release', where, { max: 1000 });
  optionalText(raw, 'build', where, { max: 1000 });
  const checked = list(raw, 'questions', where, 50).map((q, i) => checkQuestion(q, `${where}.questions[${i}]`));
  const questions = checked.map((c) => c.question);
  const names = new Set(questions.map((q) => q.name));
  if (names.size !== questions.length) fail(`${where}.questions`, 'question names must be unique');
  const optional = new Set(questions.filter((q) => q.optional === true).map((q) => q.name));

  const pipeline = object(raw['pipeline'], `${where}.pipeline`, KEYS.pipeline);
  if (pipeline['trigger'] !== 'custom' && pipeline['trigger'] !== 'branch')
    fail(`${where}.pipeline.trigger`, 'must be "custom" or "branch"');
  text(pipeline, 'name', `${where}.pipeline`, {
    max: 100,
    pattern: /^[A-Za-z0-9][\w./*-]*$/,
    rule: 'must be a pipeline or branch name',
  });
  const step = checkStep(raw['step'], `${where}.step`, optional);

  const statements = list(raw, 'statements', where, 50);
  if (!statements.length) fail(`${where}.statements`, 'must grant at least one permission');
  statements.forEach((s, i) => checkStatement(s, `${where}.statements[${i}]`, optional));
  list(raw, 'notes', where, 50).forEach((n, i) => textValue(n, `${where}.notes[${i}]`, { max: 2000 }));

  const holds: Holds = (name, c) => {
    const i = questions.findIndex((q) => q.name === name);
    return i < 0 ? ROLE_HOLDS(name, c) : checked[i]!.pattern.admits(c);
  };
  if (raw['rehearsal'] !== undefined)
    checkRehearsal(raw['rehearsal'], `${where}.rehearsal`, questions, optional, holds);

  const used = new Set<string>();
  for (const part of [statements, step['setup'], step['script'], raw['rehearsal']]) placeholdersIn(part, used);
  const known = new Set<string>([...names, ...ROLE_PLACEHOLDERS]);
  for (const name of used)
    if (!known.has(name))
      fail(
        where,
        `placeholder {{${name}}} is neither a question of this target nor one of ${ROLE_PLACEHOLDERS.join(', ')}`,
      );
  return raw as unknown as TargetDefinition;
}
