/**
 * Ajv set up for Atlassian's schema, compiled in this process from the schema's data every run. No
 * compiled code is ever read back from a cache: a cache folder others can write (a CI cache shared between
 * branches) would otherwise run their code. Only what compiles imports this: loading Ajv takes tens of
 * milliseconds, which a run without a pipeline to validate does without.
 */
import { Ajv } from 'ajv';
import { linearPattern } from '../util/index.js';
import { AJV_OPTIONS, AJV_VOCABULARY, type SchemaValidator } from './pipeline-schema.js';

/**
 * The schema's patterns matched in linear time, as gallery patterns are: the schema may come from a cache
 * folder others can write, and `^(a+)+$` would hold JavaScript's backtracking engine for ever. A pattern
 * the linear matcher refuses (a backreference, lookaround) makes the schema one Ajv cannot compile.
 */
const linearRegExp = Object.assign((pattern: string) => linearPattern(pattern), { code: 'linearPattern' });

export function pipelineAjv(): Ajv {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, regExp: linearRegExp } });
  ajv.addVocabulary([...AJV_VOCABULARY]);
  return ajv;
}

/** The schema compiled, or undefined for one Ajv cannot compile: the built-in structural checks stand in. */
export function compilePipelineSchema(schema: object): SchemaValidator | undefined {
  try {
    return pipelineAjv().compile(schema);
  } catch {
    return undefined;
  }
}
