/**
 * Validators built from the reference schemas beside the project (../shared/reference): Atlassian's
 * schema of bitbucket-pipelines.yml and the CloudFormation registry schemas of the IAM resources.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { pipelineAjv } from '../../src/core/check/pipeline-ajv.ts';
import type { SchemaValidator } from '../../src/core/check/pipeline-schema.ts';
import { SHARED_REFERENCE } from './fixtures.ts';

export const referencePresent = () => existsSync(SHARED_REFERENCE);

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(SHARED_REFERENCE, path), 'utf8')) as Record<string, unknown>;

/** Atlassian's schema: draft-07, its definitions under `components`, entered through the root `$ref`. */
export function pipelinesValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addVocabulary(['components', 'example']);
  return ajv.compile(readJson('bitbucket/pipelines-configuration.schema.json'));
}

let checkValidator: SchemaValidator | undefined | null = null;

/**
 * Atlassian's schema compiled as `check` compiles it (once), or undefined when the reference is absent;
 * then a note says that `what` is checked with the built-in checks only.
 */
export function checkSchema(what?: string): SchemaValidator | undefined {
  if (checkValidator === null)
    checkValidator = referencePresent()
      ? pipelineAjv().compile(readJson('bitbucket/pipelines-configuration.schema.json'))
      : undefined;
  if (!checkValidator && what)
    console.log(`note: ../shared/reference is absent beside the project; ${what} without Atlassian's schema only`);
  return checkValidator;
}

/** The ways `check` validates a pipeline: its built-in checks, and Atlassian's schema when it is present. */
export function pipelineSchemaModes(what?: string): Array<{ label: string; schema?: SchemaValidator }> {
  const schema = checkSchema(what);
  return [{ label: 'built-in checks' }, ...(schema ? [{ label: "Atlassian's schema", schema }] : [])];
}

/** CloudFormation resource types → registry schema files. */
const REGISTRY: Record<string, string> = {
  'AWS::IAM::Role': 'cloudformation/aws-iam-role.json',
  'AWS::IAM::OIDCProvider': 'cloudformation/aws-iam-oidcprovider.json',
};

export interface RegistrySchema {
  validate: ValidateFunction;
  /** Top-level properties CloudFormation sets itself (a template may not). */
  readOnly: string[];
}

/** The registry schema of a resource type, or undefined when none is on file. */
export function registrySchema(type: string): RegistrySchema | undefined {
  const file = REGISTRY[type];
  if (!file) return undefined;
  // `$schema` names the registry's meta-schema, which Ajv does not have; the keywords used are draft-07
  const { $schema: _metaSchema, ...schema } = readJson(file);
  const readOnly = ((schema['readOnlyProperties'] as string[] | undefined) ?? []).map((p) =>
    p.replace(/^\/properties\//, ''),
  );
  return { validate: new Ajv({ strict: false, allErrors: true }).compile(schema), readOnly };
}

/** Ajv errors, one per line, the most specific (deepest) first. */
export function formatErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return [...(errors ?? [])]
    .sort((x, y) => y.instancePath.split('/').length - x.instancePath.split('/').length)
    .map((e) => `  ${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
    .join('\n');
}

/** A YAML mapping, strictly: duplicate keys, errors and warnings all fail. */
export function parseYaml(text: string): Record<string, unknown> {
  const doc = parseDocument(text, { uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(problems.map((p) => p.message).join('\n'));
  const value: unknown = doc.toJS();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a mapping');
  return value as Record<string, unknown>;
}
