/**
 * A repository's bitbucket-pipelines.yml as data, for the commands that act on it (rehearse, run): read
 * within the size limit of a repository file, not through a symbolic link, its nesting measured before the
 * YAML parser recurses into it. Anything else is one line naming the command and the file.
 */
import { join } from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { assertNesting } from '../core/util/index.js';
import { PIPELINE_FILE } from '../core/facts/index.js';
import { UsageError } from '../errors.js';
import { READ_LIMIT, readBounded } from './bounded-read.js';

export function readPipelineDocument(dir: string, command: string): unknown {
  try {
    const text = readBounded(join(dir, PIPELINE_FILE), READ_LIMIT.repositoryFile, { noFollow: true });
    assertNesting(text, `${command}: ${PIPELINE_FILE}`, { yaml: true });
    return parseYaml(text);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${command}: cannot read ${PIPELINE_FILE} (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * Why a pipeline file about to be written would not be YAML Bitbucket reads (a key twice, a syntax error),
 * or undefined: a write that leaves the file invalid is refused before the old one is replaced.
 */
export function invalidPipeline(text: string): string | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  return error ? error.message.split('\n')[0] : undefined;
}
