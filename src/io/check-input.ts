/**
 * What `check` reads: the manifest's files in a generated repository, else whatever a hand-written one
 * holds (the pipeline at the root, policy JSON, Terraform, CloudFormation), found by looking.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MANIFEST_FILE } from '../core/model.js';
import type { CheckInput } from '../core/check/types.js';
import type { Manifest } from '../render/files.js';
import { readIfPresent } from './manifest.js';

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
    return statements.some((s) => s && typeof s === 'object' && 'Principal' in s) || text.includes('AssumeRoleWithWebIdentity') ? 'trust' : 'permissions';
  } catch {
    // an unparsable file named like a policy is still checked (policy.grammar reports it)
    return /policy/i.test(text) ? 'permissions' : undefined;
  }
}

export function readCheckInput(dir: string): CheckInput {
  const input: CheckInput = { dir, trustPolicies: [], permissionPolicies: [], terraform: [], cloudformation: [] };
  // none in a hand-written repository
  const manifestText = readIfPresent(join(dir, MANIFEST_FILE));
  if (manifestText !== undefined) {
    try {
      const m = JSON.parse(manifestText) as Manifest;
      if (m && m.tool === 'pipelines-oidc' && m.answers && m.files) input.manifest = m;
    } catch {
      // treated as hand-written
    }
  }
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
