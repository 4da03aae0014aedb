/**
 * Atlassian's schema of bitbucket-pipelines.yml for `check`: --schema, else the copy cached by an earlier
 * `--refresh-schema`. A run never reaches the network unless asked: CI and offline machines get the same
 * answer every time, and nothing is printed about a schema in use. Without any, `check` falls back to its
 * structural checks and says so in one line.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SchemaValidator } from '../core/check/index.js';
import { assertNesting, tooDeep } from '../core/util/index.js';
import { UsageError } from '../errors.js';
import { READ_LIMIT, readBounded, readFlagFile, TooLargeError } from './bounded-read.js';
import { readBody } from './http-body.js';

export const SCHEMA_URL = 'https://api.bitbucket.org/schemas/pipelines-configuration';

export interface SchemaSource {
  schema?: object;
  /** Where it came from, or why there is none. */
  note: string;
  /** Nothing the user needs to read: the schema they named, or the cached copy. */
  quiet?: true;
}

/** Said once per run when there is no schema to validate with. */
const NO_SCHEMA_NOTE =
  'schema: none cached; built-in structural checks only (run check --refresh-schema once to fetch it, or pass --schema <file>)';

/** Where pipelines-oidc caches the schema: data, read as any input is; never code. */
export const cacheDir = (env: NodeJS.ProcessEnv) =>
  join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'pipelines-oidc');
const cacheFile = (env: NodeJS.ProcessEnv) => join(cacheDir(env), 'pipelines-configuration.schema.json');

/** The schema in a JSON text, or undefined; a text nested too deep is not parsed (nesting.ts). */
const parse = (text: string): object | undefined => {
  if (tooDeep(text)) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The copy an earlier `check` cached, if any: never the network. The cache folder may be writable by
 * others, so the copy is read as any input: within --schema's size and the nesting limit, else ignored.
 */
function cachedSchema(env: NodeJS.ProcessEnv): SchemaSource | undefined {
  const cache = cacheFile(env);
  try {
    const schema = parse(readBounded(cache, READ_LIMIT.schema));
    return schema && { schema, note: `schema: cached copy (${cache})`, quiet: true };
  } catch {
    return undefined;
  }
}

/** --schema, else with `refresh` a fresh copy (the cached one if the fetch fails), else the cached copy. */
export async function loadSchema(
  cwd: string,
  given: string | undefined,
  env: NodeJS.ProcessEnv,
  { refresh = false } = {},
): Promise<SchemaSource> {
  if (given !== undefined) {
    if (refresh) throw new UsageError('--refresh-schema fetches the schema --schema names: give one of the two');
    const text = readFlagFile(cwd, '--schema', given, READ_LIMIT.schema);
    assertNesting(text, `--schema ${given}`);
    const schema = parse(text);
    if (!schema) throw new UsageError(`--schema ${given}: not a JSON schema`);
    return { schema, note: `schema: ${given}`, quiet: true };
  }
  const cached = cachedSchema(env);
  if (!refresh) return cached ?? { note: NO_SCHEMA_NOTE };
  const url = env['PIPELINES_OIDC_SCHEMA_URL'] || SCHEMA_URL;
  const fetched = await fetchSchema(url);
  if ('failure' in fetched) {
    const fallback = cached ? 'the cached copy is used' : 'built-in structural checks only (pass --schema <file>)';
    return { ...(cached ? { schema: cached.schema } : {}), note: `schema: ${fetched.failure}; ${fallback}` };
  }
  return { schema: fetched.schema, note: `schema: fetched from ${url}${cacheCopy(env, fetched.schema)}` };
}

/** Atlassian's schema fetched (a few seconds at most), or why not. */
async function fetchSchema(url: string): Promise<{ schema: object } | { failure: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
    // an answer is read no further than --schema's limit: whoever serves it cannot fill the memory
    const schema = response.ok ? parse(await readBody(response, READ_LIMIT.schema)) : undefined;
    return schema ? { schema } : { failure: `${url} answered ${response.status}` };
  } catch (e) {
    const why =
      e instanceof TooLargeError
        ? `its answer is ${e.message}`
        : (e as Error).name === 'TimeoutError'
          ? 'timed out'
          : (e as Error).message;
    return { failure: `could not fetch ${url} (${why})` };
  }
}

/** The schema written to the cache, for the runs after this one; what the note adds about it. */
function cacheCopy(env: NodeJS.ProcessEnv, schema: object): string {
  const cache = cacheFile(env);
  try {
    mkdirSync(dirname(cache), { recursive: true });
    // written beside and renamed over: a link planted at the cache's name is replaced, never written through
    const staged = `${cache}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(staged, JSON.stringify(schema), { flag: 'wx' });
    renameSync(staged, cache);
    return ` and cached (${cache})`;
  } catch (e) {
    return `; not cached: ${(e as Error).message}`;
  }
}

/**
 * The schema compiled in this process, from its data: nothing compiled is ever cached, so nothing a cache
 * folder holds is run. Ajv loads only here, when there is a pipeline and a schema. Undefined without a
 * schema, or for one Ajv cannot compile: the built-in structural checks stand in.
 */
export async function schemaValidator(schema: object | undefined): Promise<SchemaValidator | undefined> {
  if (!schema) return undefined;
  const { compilePipelineSchema } = await import('../core/check/pipeline-ajv.js');
  return compilePipelineSchema(schema);
}
