/**
 * The files `check` reads, generated repository or hand-written alike: the pipeline at the root, policy
 * JSON, Terraform, CloudFormation, found by looking (the manifest is read by `openIfGenerated`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { MANIFEST_FILE, type RepoModel } from '../core/model.js';
import type { CheckInput } from '../core/check/types.js';
import { toolVersion } from '../paths.js';
import { renderRepository, type TemplateLookup } from '../render/files.js';
import { openIfGenerated } from './repository.js';

export type { CheckInput };

const SKIP = new Set(['.git', 'node_modules', '.terraform', 'dist', '.scratch']);

function walk(dir: string, depth = 0): string[] {
  if (depth > 5) return [];
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return [];
    return st.isDirectory() ? walk(path, depth + 1) : st.isFile() && st.size < 1_000_000 ? [path] : [];
  });
}

function policyKind(text: string): 'trust' | 'permissions' | undefined {
  try {
    const doc = JSON.parse(text) as { Statement?: unknown };
    if (!doc || typeof doc !== 'object' || !('Statement' in doc)) return undefined;
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

export function readCheckInput(dir: string): CheckInput {
  const input: CheckInput = { dir, trustPolicies: [], permissionPolicies: [], terraform: [], cloudformation: [] };
  for (const path of walk(dir)) {
    const file = relative(dir, path).split('\\').join('/');
    const name = file.split('/').pop()!;
    if (file === MANIFEST_FILE) continue;
    const read = () => ({ file, text: readFileSync(path, 'utf8') });
    if (file === 'bitbucket-pipelines.yml') input.pipeline = read();
    else if (name.endsWith('.tf')) input.terraform.push(read());
    else if (/\.(json|ya?ml|template)$/.test(name)) {
      const src = read();
      if (/AWSTemplateFormatVersion|Type:\s*["']?AWS::|"Type":\s*"AWS::/.test(src.text)) input.cloudformation.push(src);
      else if (name.endsWith('.json')) {
        const kind = policyKind(src.text);
        if (kind === 'trust') input.trustPolicies.push(src);
        else if (kind === 'permissions') input.permissionPolicies.push(src);
      }
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

/** `dir` as the user gave it, relative to `cwd`; templates are loaded only when a comparison needs them. */
export async function readCheckTarget(
  cwd: string,
  dir: string,
  templates: () => Promise<TemplateLookup>,
): Promise<CheckTarget> {
  const repo = openIfGenerated({ cwd, dir });
  const input = readCheckInput(resolve(cwd, dir));
  if (!repo) return { input };
  const model = repo.model();
  if (!input.terraform.some((f) => f.file === 'terraform/main.tf')) return { input, model };
  const { files } = renderRepository(model, toolVersion(), await templates(), repo.galleryDir);
  return { input, model, expected: new Map(files.map((f) => [f.path, f.content])) };
}
