/**
 * The files `check` reads, generated repository or hand-written alike: the pipeline at the root, policy
 * JSON, Terraform, CloudFormation, found by looking (the manifest is read by `openIfGenerated`).
 */
import { lstatSync, opendirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { stepInputs, type RepoModel } from '../core/repo/index.js';
import { inIamFolder, MANIFEST_FILE, PIPELINE_FILE, TERRAFORM_FILE } from '../core/facts/index.js';
import type { CheckInput, UnreadFile } from '../core/iam-eval/index.js';
import { toolVersion } from '../paths.js';
import { renderRepository, type TemplateLookup } from '../render/files.js';
import { READ_LIMIT, readBounded, TooLargeError } from './bounded-read.js';
import { openIfGenerated } from './repository.js';
import { readTerraformModules } from './terraform-modules.js';

export type { CheckInput };

const SKIP = new Set(['.git', 'node_modules', '.terraform', 'dist', '.scratch']);

/**
 * How much of a repository `check` looks at (README "Limits" states them): past any, what is left is a
 * `file.unread` finding saying what was not seen, never silence. Each file is also read up to
 * READ_LIMIT.repositoryFile bytes, and parsed up to MAX_NESTING levels.
 */
export const WALK_LIMIT = {
  /** Folders below the checked one. */
  depth: 16,
  /** Entries of one folder. */
  entriesPerFolder: 10_000,
  /** Entries looked at in all. */
  entries: 100_000,
  /** Files read in all. */
  files: 5_000,
  /** Bytes read in all. */
  bytes: 50_000_000,
} as const;
export type WalkLimits = { readonly [K in keyof typeof WALK_LIMIT]: number };

/** The kinds of file `check` reads; others are not opened at all. */
const isChecked = (file: string) =>
  file === PIPELINE_FILE || /\.(tf|json|ya?ml|template)$/.test(file.split('/').pop()!);

const errorCode = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' ? 'permission denied (EACCES)' : (code ?? (e as Error).message);
};
const count = (n: number) => n.toLocaleString('en-US');

interface Walked {
  files: Array<{ path: string; file: string }>;
  unread: UnreadFile[];
}

/** A folder's names in order, or undefined when it holds more than `limit` (never more are read). */
function folderNames(dir: string, limit: number): string[] | undefined {
  const names: string[] = [];
  const handle = opendirSync(dir);
  try {
    for (let entry; (entry = handle.readSync());) if (names.push(entry.name) > limit) return undefined;
  } finally {
    handle.closeSync();
  }
  return names.sort();
}

/** The repository's regular files, never through a symbolic link: a link is reported, not followed. */
function walk(root: string, limits: WalkLimits): Walked {
  const walked: Walked = { files: [], unread: [] };
  const notWalked = (file: string, detail: string) => walked.unread.push({ file, reason: 'not-walked', detail });
  let seen = 0;
  // what the files found so far will take to read (each at most READ_LIMIT.repositoryFile, read or not)
  let bytes = 0;
  const visit = (dir: string, depth: number): boolean => {
    const folder = relative(root, dir).split('\\').join('/') || '.';
    let names: string[] | undefined;
    try {
      names = folderNames(dir, limits.entriesPerFolder);
    } catch (e) {
      walked.unread.push({ file: folder, reason: 'unreadable', detail: errorCode(e) });
      return true;
    }
    if (!names) {
      notWalked(folder, `a folder of more than ${count(limits.entriesPerFolder)} entries, not walked`);
      return true;
    }
    for (const name of names) {
      if (SKIP.has(name)) continue;
      const path = join(dir, name);
      const file = relative(root, path).split('\\').join('/');
      if (++seen > limits.entries) {
        notWalked(file, `the walk stopped after ${count(limits.entries)} entries: this one and those after it`);
        return false;
      }
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isSymbolicLink()) walked.unread.push({ file, reason: 'symlink' });
      else if (st.isDirectory() && depth >= limits.depth)
        notWalked(file, `a folder ${depth + 1} levels down, below the ${limits.depth} check walks`);
      else if (st.isDirectory() && !visit(path, depth + 1)) return false;
      else if (st.isFile() && isChecked(file)) {
        bytes += Math.min(st.size, READ_LIMIT.repositoryFile + 1);
        const over =
          walked.files.length >= limits.files
            ? `${count(limits.files)} files`
            : bytes > limits.bytes
              ? `${count(limits.bytes)} bytes`
              : undefined;
        if (over) {
          notWalked(file, `check reads ${over} at most: this file and those after it are not read`);
          return false;
        }
        walked.files.push({ path, file });
      }
    }
    return true;
  };
  visit(root, 0);
  return walked;
}

function policyKind(text: string): 'trust' | 'permissions' | undefined {
  try {
    const doc = JSON.parse(text) as { Statement?: unknown };
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
    if (!('Statement' in doc)) return undefined;
    const statements = ([] as unknown[]).concat(doc.Statement);
    return statements.some((s) => s && typeof s === 'object' && 'Principal' in s) ||
      text.includes('AssumeRoleWithWebIdentity')
      ? 'trust'
      : 'permissions';
  } catch {
    // an unparsable file named like a policy is still checked (policy.grammar reports it)
    return /policy/i.test(text) ? 'permissions' : undefined;
  }
}

/** A JSON file named as a policy is one, whatever it holds: `null`, `[]` or `7` there is a broken policy, not a skipped file. */
const namedAsPolicy = (file: string) => inIamFolder(file) || /polic|trust|permission/i.test(file);

/** `limits` other than WALK_LIMIT: for tests, which cannot build a hundred thousand files at every run. */
export function readCheckInput(dir: string, limits: WalkLimits = WALK_LIMIT): CheckInput {
  const input: CheckInput = {
    dir,
    trustPolicies: [],
    permissionPolicies: [],
    terraform: [],
    cloudformation: [],
    unread: [],
  };
  const { files, unread } = walk(dir, limits);
  input.unread.push(...unread);
  for (const { path, file } of files) {
    const name = file.split('/').pop()!;
    if (file === MANIFEST_FILE) continue;
    let text: string;
    try {
      text = readBounded(path, READ_LIMIT.repositoryFile, { noFollow: true });
    } catch (e) {
      input.unread.push(
        e instanceof TooLargeError
          ? { file, reason: 'too-large', detail: e.message }
          : { file, reason: 'unreadable', detail: errorCode(e) },
      );
      continue;
    }
    const src = { file, text };
    if (file === PIPELINE_FILE) input.pipeline = src;
    else if (name.endsWith('.tf')) input.terraform.push(src);
    else if (/AWSTemplateFormatVersion|Type:\s*["']?AWS::|"Type":\s*"AWS::/.test(text)) input.cloudformation.push(src);
    else if (name.endsWith('.json') && /"containerDefinitions"\s*:/.test(text))
      (input.taskDefinitions ??= []).push(src);
    else if (name.endsWith('.json')) {
      const kind = policyKind(text) ?? (namedAsPolicy(file) ? 'permissions' : undefined);
      if (kind === 'trust') input.trustPolicies.push(src);
      else if (kind === 'permissions') input.permissionPolicies.push(src);
    }
  }
  return input;
}

/** A repository as `check` sees it: its files and, when generated, what its manifest's answers give now. */
export interface CheckTarget {
  input: CheckInput;
  model?: RepoModel;
  /** The files the answers render now; only when there is our Terraform layout to compare. */
  expected?: Map<string, string>;
}

/**
 * `dir` as the user gave it, relative to `cwd`; templates are loaded only when a comparison needs them.
 * The manifest's gallery is loaded only from inside `within` (default: the repository), else `gallery` (--gallery).
 */
export async function readCheckTarget(
  cwd: string,
  dir: string,
  templates: () => Promise<TemplateLookup>,
  options: { gallery?: string; within?: string } = {},
): Promise<CheckTarget> {
  const target = await readTarget(cwd, dir, templates, options);
  // Terraform's policies are evaluated too: its folders parsed, unless rendered as the answers give them
  target.input.terraformModules = await readTerraformModules(
    resolve(cwd, dir),
    target.input.terraform,
    target.expected,
  );
  return target;
}

/** There, as a file, folder or link (check follows no link, so a link counts as there). */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

async function readTarget(
  cwd: string,
  dir: string,
  templates: () => Promise<TemplateLookup>,
  { gallery, within }: { gallery?: string; within?: string },
): Promise<CheckTarget> {
  const repo = openIfGenerated({
    cwd,
    dir,
    ...(gallery === undefined ? {} : { gallery }),
    ...(within === undefined ? {} : { galleryWithin: within }),
  });
  const input = readCheckInput(resolve(cwd, dir));
  if (!repo) return { input };
  input.missing = Object.keys(repo.manifest.files).filter((file) => repo.read(file) === undefined);
  const model = repo.model();
  const root = resolve(cwd, dir);
  const inputs = [...new Set(stepInputs(model).map((i) => i.input))];
  input.missingInputs = inputs.filter((path) => !present(join(root, path)));
  if (!input.terraform.some((f) => f.file === TERRAFORM_FILE.main)) return { input, model };
  const { files } = renderRepository(model, toolVersion(), await templates(), repo.galleryDir);
  const tfvars = repo.read(TERRAFORM_FILE.tfvars);
  if (tfvars !== undefined) input.tfvars = { file: TERRAFORM_FILE.tfvars, text: tfvars };
  return { input, model, expected: new Map(files.map((f) => [f.path, f.content])) };
}
