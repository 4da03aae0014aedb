/**
 * Checks a target definition read from a gallery folder, so a malformed one fails with a message that
 * says which file, which field and which rule, instead of rendering a broken repository.
 */
import { linearPattern, PatternError, type LinearPattern } from '../linear-pattern.js';
import { QUESTIONS } from '../answers.js';
import { commandFlags } from '../command-table.js';
import { PARAM_NAME } from '../params.js';
import { repositoryPath } from '../validate.js';
import { PLACEHOLDER, ROLE_PLACEHOLDERS, type TargetDefinition } from './definition.js';

/** Answer names of `new` itself and the role's placeholders: a target question may not take one (it would shadow it). */
const RESERVED = new Set<string>([...QUESTIONS.map((q) => q.name), ...ROLE_PLACEHOLDERS]);
/** The flags of every command: a target question taking one would get that option's value, or hide it. */
const RESERVED_FLAGS = commandFlags();

export class DefinitionError extends Error {}

type Obj = Record<string, unknown>;

function fail(where: string, rule: string): never {
  throw new DefinitionError(`${where}: ${rule}`);
}
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function str(o: Obj, key: string, where: string, pattern?: RegExp, rule?: string): string {
  const v = o[key];
  if (typeof v !== 'string' || !v) fail(`${where}.${key}`, 'must be a non-empty string');
  if (pattern && !pattern.test(v)) fail(`${where}.${key}`, rule ?? `must match ${pattern}`);
  return v;
}
function arr(o: Obj, key: string, where: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${where}.${key}`, 'must be an array');
  return v;
}

function checkQuestion(q: unknown, where: string): void {
  if (!isObj(q)) fail(where, 'must be an object');
  const name = str(q, 'name', where, PARAM_NAME, 'must be camelCase letters and digits, e.g. bucketName');
  if (RESERVED.has(name)) fail(`${where}.name`, `"${name}" is an answer of new itself; choose another name`);
  // answers are looked up by name in plain objects, where these names always hold a value
  if (name in Object.prototype)
    fail(`${where}.name`, `"${name}" is a name every JavaScript object has; choose another name, e.g. ${name}Value`);
  const flag = str(
    q,
    'flag',
    where,
    /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/,
    'must be a kebab-case flag name without dashes in front',
  );
  const commands = RESERVED_FLAGS.get(flag);
  if (commands)
    fail(`${where}.flag`, `question ${name} takes --${flag}, a flag of ${commands.join(', ')}; choose another flag`);
  str(q, 'description', where);
  const pattern = str(q, 'pattern', where);
  let re: LinearPattern;
  try {
    new RegExp(pattern);
    re = linearPattern(pattern);
  } catch (e) {
    fail(
      `${where}.pattern`,
      e instanceof PatternError
        ? `${e.message}: a question's pattern must be matchable in linear time (literals, classes, groups, |, * + ? {n,m}, ^ $)`
        : 'is not a valid regular expression',
    );
  }
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) fail(`${where}.pattern`, 'must be anchored with ^ and $');
  const example = str(q, 'example', where);
  if (!re.test(example)) fail(`${where}.example`, `"${example}" does not match the pattern`);
  if (q['insideRepository'] !== undefined && typeof q['insideRepository'] !== 'boolean')
    fail(`${where}.insideRepository`, 'must be true or false');
  if (q['insideRepository'] === true)
    for (const key of ['example', 'default']) {
      const value = q[key];
      const rule = typeof value === 'string' ? repositoryPath(value) : undefined;
      if (rule && 'error' in rule) fail(`${where}.${key}`, `a path question's ${key} ${rule.error}`);
    }
  if (q['optional'] !== undefined && typeof q['optional'] !== 'boolean')
    fail(`${where}.optional`, 'must be true or false');
  if (q['default'] !== undefined && (typeof q['default'] !== 'string' || !re.test(q['default'])))
    fail(`${where}.default`, 'must be a string matching the pattern');
  if (q['perEnvironment'] !== undefined && typeof q['perEnvironment'] !== 'boolean')
    fail(`${where}.perEnvironment`, 'must be true or false');
}

function placeholdersIn(v: unknown, found: Set<string>): void {
  if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER)) found.add(m[1]!);
  else if (Array.isArray(v)) v.forEach((x) => placeholdersIn(x, found));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) (placeholdersIn(k, found), placeholdersIn(x, found));
}

/** Returns the definition when it is well formed; throws DefinitionError naming the field otherwise. */
export function parseTargetDefinition(raw: unknown, source: string): TargetDefinition {
  if (!isObj(raw)) fail(source, 'must be a JSON object');
  const id = str(raw, 'id', source, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a kebab-case id');
  const where = `${source} (${id})`;
  str(raw, 'title', where);
  str(raw, 'description', where);
  if (raw['release'] !== undefined) str(raw, 'release', where);
  const questions = arr(raw, 'questions', where);
  questions.forEach((q, i) => checkQuestion(q, `${where}.questions[${i}]`));
  const names = new Set(questions.map((q) => (q as Obj)['name'] as string));
  if (names.size !== questions.length) fail(`${where}.questions`, 'question names must be unique');
  const optional = new Set(
    questions.filter((q) => (q as Obj)['optional'] === true).map((q) => (q as Obj)['name'] as string),
  );

  const pipeline = raw['pipeline'];
  if (!isObj(pipeline)) fail(`${where}.pipeline`, 'must be an object');
  if (pipeline['trigger'] !== 'custom' && pipeline['trigger'] !== 'branch')
    fail(`${where}.pipeline.trigger`, 'must be "custom" or "branch"');
  str(pipeline, 'name', `${where}.pipeline`, /^[A-Za-z0-9][\w./*-]*$/, 'must be a pipeline or branch name');

  const step = raw['step'];
  if (!isObj(step)) fail(`${where}.step`, 'must be an object');
  str(step, 'name', `${where}.step`);
  str(step, 'image', `${where}.step`);
  if (
    step['services'] !== undefined &&
    !(Array.isArray(step['services']) && step['services'].every((s) => typeof s === 'string'))
  ) {
    fail(`${where}.step.services`, 'must be an array of service names');
  }
  if (
    step['setup'] !== undefined &&
    !(Array.isArray(step['setup']) && step['setup'].every((s) => typeof s === 'string' && s))
  ) {
    fail(`${where}.step.setup`, 'must be an array of command strings');
  }
  arr(step, 'script', `${where}.step`).forEach((line, i) => {
    if (typeof line === 'string') return;
    if (!isObj(line) || typeof line['run'] !== 'string' || typeof line['when'] !== 'string') {
      fail(`${where}.step.script[${i}]`, 'must be a command string or {"run": "…", "when": "<optional question>"}');
    }
    if (!optional.has(line['when'] as string))
      fail(`${where}.step.script[${i}].when`, 'must name an optional question of this target');
  });

  const statements = arr(raw, 'statements', where);
  if (!statements.length) fail(`${where}.statements`, 'must grant at least one permission');
  statements.forEach((s, i) => {
    const at = `${where}.statements[${i}]`;
    if (!isObj(s)) fail(at, 'must be an object');
    str(s, 'Sid', at, /^[A-Za-z0-9]+$/, 'must be letters and digits');
    if (s['Effect'] !== 'Allow') fail(`${at}.Effect`, 'must be "Allow" (targets grant; they never deny)');
    for (const key of ['Action', 'Resource']) {
      const v = s[key];
      const ok = typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
      if (!ok) fail(`${at}.${key}`, 'must be a string or a non-empty array of strings');
    }
    const actions = ([] as unknown[]).concat(s['Action']) as string[];
    for (const a of actions)
      if (!/^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(a)) fail(`${at}.Action`, `"${a}" is not of the form service:Action`);
    if (s['when'] !== undefined && !optional.has(s['when'] as string))
      fail(`${at}.when`, 'must name an optional question of this target');
    const extra = Object.keys(s).filter(
      (k) => !['Sid', 'Effect', 'Action', 'Resource', 'Condition', 'when'].includes(k),
    );
    if (extra.length) fail(at, `unknown key ${extra.join(', ')}`);
  });
  if (!Array.isArray(raw['notes']) || !raw['notes'].every((n) => typeof n === 'string'))
    fail(`${where}.notes`, 'must be an array of strings');

  const used = new Set<string>();
  placeholdersIn(statements, used);
  placeholdersIn(step['setup'], used);
  placeholdersIn(step['script'], used);
  const known = new Set<string>([...names, ...ROLE_PLACEHOLDERS]);
  for (const name of used)
    if (!known.has(name))
      fail(
        where,
        `placeholder {{${name}}} is neither a question of this target nor one of ${ROLE_PLACEHOLDERS.join(', ')}`,
      );
  return raw as unknown as TargetDefinition;
}
