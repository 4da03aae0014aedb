/**
 * Ajv set up for Atlassian's schema. Only what compiles imports this: loading Ajv alone takes tens of
 * milliseconds, which a run that finds its validator in the cache does without.
 */
import { Ajv, type CodeOptions } from 'ajv';
import { AJV_OPTIONS, AJV_VOCABULARY } from './pipeline-schema.js';

/** `code`: added to the code options (the validator cache asks for the source). */
export function pipelineAjv(code: CodeOptions = {}): Ajv {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, ...code } });
  ajv.addVocabulary([...AJV_VOCABULARY]);
  return ajv;
}
