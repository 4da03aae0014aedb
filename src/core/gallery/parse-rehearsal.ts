/**
 * The `rehearsal` block of a gallery definition: its seed lines (only the forms of seed.ts), the files it adds
 * to the scratch copy (paths relative, normalised and confined: a placeholder only as a whole segment, and
 * only of a path question, whose answers the path rule keeps inside the repository) and `conditional`.
 */
import { fail, type TargetQuestion, checkSeedLine, type Holds } from '../targets/index.js';
import { isObj, jsonValue, list, object, optionalText, text, textValue, type Obj } from './fields.js';

const NAME_OF = /^\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}$/;
const SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9._-]*$/;

/** A file's path: `/`-separated segments, each a plain name or a whole `{{pathQuestion}}`. */
function checkFilePath(path: string, where: string, questions: readonly TargetQuestion[]): void {
  for (const segment of path.split('/')) {
    const placeholder = NAME_OF.exec(segment)?.[1];
    if (placeholder !== undefined) {
      if (!questions.some((q) => q.name === placeholder && q.insideRepository))
        fail(where, `{{${placeholder}}} must name a question of this target with "insideRepository": true`);
    } else if (segment === '' || segment === '.' || segment === '..' || !SEGMENT.test(segment))
      fail(
        where,
        'must be a normalised relative path: names of letters, digits, "." "_" "-" (not "." or "..") or a whole {{pathQuestion}}, joined by single "/"',
      );
  }
}

function checkFile(f: unknown, where: string, questions: readonly TargetQuestion[], optional: Set<string>): void {
  const file = object(f, where, ['path', 'reads', 'json', 'dropWhenEmpty', 'text', 'when', 'unless', 'alongside']);
  const path = text(file, 'path', where, { max: 256 });
  checkFilePath(path, `${where}.path`, questions);
  const reads = optionalText(file, 'reads', where, { max: 256 });
  if (reads !== undefined && !path.startsWith(`${reads}/`))
    fail(`${where}.reads`, 'must be a folder that holds "path"');
  const alongside = optionalText(file, 'alongside', where, { max: 256 });
  if (alongside !== undefined) checkFilePath(alongside, `${where}.alongside`, questions);
  if ((file['json'] === undefined) === (file['text'] === undefined)) fail(where, 'must have either "json" or "text"');
  if (file['json'] !== undefined) {
    if (!isObj(file['json'])) fail(`${where}.json`, 'must be a JSON object');
    jsonValue(file['json'], `${where}.json`, 16);
  }
  optionalText(file, 'text', where, { max: 100_000, multiline: true, empty: true });
  for (const key of ['when', 'unless']) {
    const name = optionalText(file, key, where, { max: 64 });
    if (name !== undefined && !optional.has(name))
      fail(`${where}.${key}`, 'must name an optional question of this target');
  }
  if (file['dropWhenEmpty'] !== undefined) {
    if (file['json'] === undefined) fail(`${where}.dropWhenEmpty`, 'needs "json"');
    const drop = object(file['dropWhenEmpty'], `${where}.dropWhenEmpty`, Object.keys(file['json'] as Obj));
    for (const [key, name] of Object.entries(drop))
      if (!optional.has(textValue(name, `${where}.dropWhenEmpty.${key}`, { max: 64 })))
        fail(`${where}.dropWhenEmpty.${key}`, 'must name an optional question of this target');
  }
}

export function checkRehearsal(
  raw: unknown,
  where: string,
  questions: readonly TargetQuestion[],
  optional: Set<string>,
  holds: Holds,
): void {
  const rehearsal = object(raw, where, ['seed', 'files', 'conditional']);
  if (rehearsal['seed'] !== undefined)
    list(rehearsal, 'seed', where, 50).forEach((line, i) => {
      const at = `${where}.seed[${i}]`;
      if (typeof line === 'string') return checkSeedLine(textValue(line, at, { max: 2000 }), at, holds);
      const entry = object(line, at, ['run', 'when']);
      checkSeedLine(text(entry, 'run', at, { max: 2000 }), `${at}.run`, holds);
      if (!optional.has(text(entry, 'when', at, { max: 64 })))
        fail(`${at}.when`, 'must name an optional question of this target');
    });
  if (rehearsal['files'] !== undefined)
    list(rehearsal, 'files', where, 20).forEach((f, i) => checkFile(f, `${where}.files[${i}]`, questions, optional));
  if (rehearsal['conditional'] !== undefined) {
    const conditional = rehearsal['conditional'];
    if (!isObj(conditional)) fail(`${where}.conditional`, 'must be an object of action → the rehearsal that calls it');
    for (const [action, why] of Object.entries(conditional)) {
      textValue(action, `${where}.conditional`, {
        max: 128,
        pattern: /^[a-z0-9-]+:[A-Za-z0-9*]+$/,
        rule: `key "${action}" is not of the form service:Action`,
      });
      textValue(why, `${where}.conditional.${action}`, { max: 500 });
    }
  }
}
