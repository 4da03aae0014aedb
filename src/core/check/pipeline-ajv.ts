/**
 * Ajv set up for Atlassian's schema, compiled in this process from the schema's data every run. No
 * compiled code is ever read back from a cache: a cache folder others can write (a CI cache shared between
 * branches) would otherwise run their code. Only what compiles imports this: loading Ajv takes tens of
 * milliseconds, which a run without a pipeline to validate does without.
 */
import { Ajv } from 'ajv';
import { AJV_OPTIONS, AJV_VOCABULARY, type SchemaValidator } from './pipeline-schema.js';

export function pipelineAjv(): Ajv {
  const ajv = new Ajv(AJV_OPTIONS);
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
