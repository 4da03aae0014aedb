/**
 * Atlassian's schema of bitbucket-pipelines.yml for `check`: --schema, else a cached copy, else fetched
 * once (a few seconds at most) and cached. Without any, `check` falls back to its structural checks.
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
}

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
export function cachedSchema(env: NodeJS.ProcessEnv): SchemaSource | undefined {
  const cache = cacheFile(env);
  try {
    const schema = parse(readBounded(cache, READ_LIMIT.schema));
    return schema && { schema, note: `schema: cached copy (${cache})` };
  } catch {
    return undefined;
  }
}

export async function loadSchema(
  cwd: string,
  given: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<SchemaSource> {
  if (given !== undefined) {
    const text = readFlagFile(cwd, '--schema', given, READ_LIMIT.schema);
    assertNesting(text, `--schema ${given}`);
    const schema = parse(text);
    if (!schema) throw new UsageError(`--schema ${given}: not a JSON schema`);
    return { schema, note: `schema: ${given}` };
  }
  const cached = cachedSchema(env);
  if (cached) return cached;
  const cache = cacheFile(env);
  const url = env['PIPELINES_OIDC_SCHEMA_URL'] || SCHEMA_URL;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
    // an answer is read no further than --schema's limit: whoever serves it cannot fill the memory
    const schema = response.ok ? parse(await readBody(response, READ_LIMIT.schema)) : undefined;
    if (!schema)
      return {
        note: `schema: ${url} answered ${response.status}; built-in structural checks only (pass --schema <file>)`,
      };
    try {
      mkdirSync(dirname(cache), { recursive: true });
      // written beside and renamed over: a link planted at the cache's name is replaced, never written through
      const staged = `${cache}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(staged, JSON.stringify(schema), { flag: 'wx' });
      renameSync(staged, cache);
    } catch {
      // an unwritable cache only means fetching again next time
    }
    return { schema, note: `schema: fetched from ${url}` };
  } catch (e) {
    const why =
      e instanceof TooLargeError
        ? `its answer is ${e.message}`
        : (e as Error).name === 'TimeoutError'
          ? 'timed out'
          : (e as Error).message;
    return {
      note: `schema: could not fetch ${url} (${why}); built-in structural checks only (pass --schema <file>)`,
    };
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
