/**
 * Atlassian's schema, compiled once per machine. Ajv takes 70–100 ms to compile it (and tens more to load),
 * while the code it generates loads in a few: that code (Ajv's standalone output) is cached beside the
 * schema, under a key of everything that decides it: the schema's JSON text, Ajv's version and our Ajv
 * setup. A cache file that is missing, unreadable, damaged or made from something else is rewritten; one
 * that cannot be written only means compiling again next time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Ajv, Code, ValidateFunction } from 'ajv';
import { AJV_OPTIONS, AJV_VOCABULARY, type SchemaValidator } from '../core/check/pipeline-schema.js';
import { cacheDir } from './schema.js';

/** Bump when the cached code is generated or loaded differently. */
const FORMAT = 1;
const FILE = 'pipelines-configuration.validator.js';
/** The file's first line: the key it was made for, and the SHA-256 of the rest (which tells a damaged file). */
const HEADER = /^\/\/ pipelines-oidc schema validator ([0-9a-f]{64}) ([0-9a-f]{64})\n/;

// the cached code requires Ajv's runtime helpers (ucs2length): resolved from here, not from the cache folder
const require = createRequire(import.meta.url);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function keyOf(schema: object): string {
  const ajv = (require('ajv/package.json') as { version: string }).version;
  return sha256(
    [FORMAT, ajv, JSON.stringify(AJV_OPTIONS), JSON.stringify(AJV_VOCABULARY), JSON.stringify(schema)].join('\n'),
  );
}

/**
 * The validator the cached code defines for `schema`. The code reads every schema object it refers to out
 * of `schemaRoot`, so errors carry the caller's own schema objects, as with a validator compiled in-process
 * (pipeline-schema.ts tells the branches of a oneOf apart by them).
 */
function evaluate(body: string, schema: object): SchemaValidator {
  const module: { exports?: unknown } = {};
  new Function('module', 'require', 'schemaRoot', body)(module, require, schema);
  if (typeof module.exports !== 'function') throw new Error('the cached code defines no validator');
  return module.exports as SchemaValidator;
}

function readCached(file: string, key: string, schema: object): SchemaValidator | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const header = HEADER.exec(text);
    // made for another schema, Ajv or setup
    if (header?.[1] !== key) return undefined;
    const body = text.slice(header[0].length);
    return header[2] === sha256(body) ? evaluate(body, schema) : undefined;
  } catch {
    return undefined;
  }
}

/** Atomically: a reader sees the old file or the new one, never half of one. */
function write(file: string, text: string): void {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, text, { flag: 'wx' });
    renameSync(temp, file);
  } catch {
    // a read-only or full cache: compiled again next time
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing to remove, or nothing that can be
    }
  }
}

/**
 * Ajv's standalone code for the compiled `validate`, each schema object taken from `schemaRoot` instead of
 * copied in as a literal (copies would be other objects than the schema's). Throws if one stays a copy.
 */
async function standaloneCode(ajv: Ajv, validate: ValidateFunction, schema: object): Promise<string> {
  const [{ _ }, { default: standalone }] = await Promise.all([import('ajv'), import('ajv/dist/standalone/index.js')]);
  const pointAt = (node: unknown, code: Code): void => {
    if (node === null || typeof node !== 'object') return;
    const name = ajv.scope.getValue('schema', node);
    if (name?.value) name.value.code = code;
    for (const [key, child] of Object.entries(node)) {
      // x["__proto__"] reads the prototype: what lies below keeps its copy, which the test below refuses
      if (key !== '__proto__') pointAt(child, _`${code}[${Array.isArray(node) ? Number(key) : key}]`);
    }
  };
  pointAt(schema, _`schemaRoot`);
  const code = standalone.default(ajv, validate);
  if (/\bconst schema\d+ = [{[]/.test(code)) throw new Error('a schema object of the generated code is a copy');
  return code;
}

async function compileAndCache(schema: object, file: string, key: string): Promise<SchemaValidator | undefined> {
  const { pipelineAjv } = await import('../core/check/pipeline-ajv.js');
  const ajv = pipelineAjv({ source: true });
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch {
    // a schema Ajv cannot compile is the schema's fault, not the file's: the built-in checks take over
    return undefined;
  }
  try {
    const body = await standaloneCode(ajv, validate, schema);
    // this run validates with the very code later runs load
    const cached = evaluate(body, schema);
    write(file, `// pipelines-oidc schema validator ${key} ${sha256(body)}\n${body}`);
    return cached;
  } catch {
    return validate;
  }
}

/**
 * Atlassian's schema compiled: from the cache when it holds this schema's validator, else compiled and
 * cached. `schema` is a JSON document's value, as JSON.parse gives it. Undefined for a schema Ajv cannot
 * compile: the built-in structural checks stand in.
 */
export async function schemaValidator(schema: object, env: NodeJS.ProcessEnv): Promise<SchemaValidator | undefined> {
  const file = join(cacheDir(env), FILE);
  const key = keyOf(schema);
  return readCached(file, key, schema) ?? (await compileAndCache(schema, file, key));
}
