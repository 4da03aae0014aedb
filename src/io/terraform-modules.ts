/**
 * Terraform's folders whose IAM policies `check` evaluates, parsed by hcl2json (HashiCorp's own HCL
 * parser, compiled to WebAssembly). It is loaded only here, only when a folder has policies to read:
 * a folder byte-identical to what `new` renders is not parsed (its policies are the JSON files', which
 * `check` judges, and `iac.drift` ties the two together).
 */
import { join } from 'node:path';
import { MAX_NESTING, nestingDepth } from '../core/util/index.js';
import { TFVARS_NAME } from '../core/facts/index.js';
import type { SourceFile, TerraformModule } from '../core/iam-eval/index.js';
import { READ_LIMIT, readBounded } from './bounded-read.js';

/** A folder worth parsing names an IAM resource or policy document. */
const HAS_POLICIES = /"aws_iam_(?:role|role_policy|policy|user_policy|group_policy|policy_document)"/;

type Parse = (file: string, text: string) => Promise<Record<string, unknown>>;

/**
 * How deep `[`, `{` and `(` nest anywhere in the text, strings and `${…}` templates included. HCL's parser
 * recurses into a template's expression as into any other, and the WebAssembly Go runtime it runs in can die
 * of a deep enough one ("fatal error: malloc deadlock", which ends the whole process): a file past the limit
 * counted this way is never handed to it.
 */
function bracketDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const c of text) {
    if (c === '[' || c === '{' || c === '(') deepest = Math.max(deepest, ++depth);
    else if ((c === ']' || c === '}' || c === ')') && depth > 0) depth--;
  }
  return deepest;
}

const TOO_DEEP = `nested more than ${MAX_NESTING} levels deep inside its expressions`;

async function parseOrError(parse: Parse, f: SourceFile): Promise<TerraformModule['files'][number]> {
  try {
    return { ...f, hcl: await parse(f.file, f.text) };
  } catch (e) {
    return { ...f, error: (e as Error).message.split('\n')[0]! };
  }
}

/** terraform.tfvars of a folder, when it is there and readable as HCL (a link is not followed). */
async function readTfvars(parse: Parse, dir: string, folder: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = readBounded(join(dir, folder, TFVARS_NAME), READ_LIMIT.repositoryFile, { noFollow: true });
  } catch {
    return undefined;
  }
  if (bracketDepth(text) > MAX_NESTING) return undefined;
  return parse(join(folder, TFVARS_NAME), text).catch(() => undefined);
}

export async function readTerraformModules(
  dir: string,
  terraform: SourceFile[],
  expected?: Map<string, string>,
): Promise<TerraformModule[]> {
  const folders = new Map<string, SourceFile[]>();
  for (const f of terraform) {
    const folder = f.file.includes('/') ? f.file.slice(0, f.file.lastIndexOf('/')) : '.';
    folders.set(folder, [...(folders.get(folder) ?? []), f]);
  }
  const wanted = [...folders].filter(
    ([, files]) =>
      files.some((f) => HAS_POLICIES.test(f.text)) && !files.every((f) => expected?.get(f.file) === f.text),
  );
  if (!wanted.length) return [];
  const { parse } = (await import('@cdktf/hcl2json')) as { parse: Parse };
  return Promise.all(
    wanted.map(async ([folder, files]) => {
      const tfvars = await readTfvars(parse, dir, folder);
      return {
        files: await Promise.all(
          files
            .filter((f) => nestingDepth(f.text) <= MAX_NESTING)
            .map((f) => (bracketDepth(f.text) > MAX_NESTING ? { ...f, error: TOO_DEEP } : parseOrError(parse, f))),
        ),
        ...(tfvars ? { tfvars } : {}),
      };
    }),
  );
}
