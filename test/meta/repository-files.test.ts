/**
 * The paths of generated files are spelled in src/core/facts/repository-files.ts only: every other module of
 * src/ imports them, so what `new` writes and what `check`, `update` and `apply` look for cannot part.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  inIamFolder,
  inlinePolicyPath,
  isEssential,
  isIamSide,
  rolePolicyFile,
  TERRAFORM_FILE,
  trustPolicyPath,
  workshopStackPath,
} from '../../src/core/facts/repository-files.ts';
import { ROOT } from '../support/fixtures.ts';
import { literalsOf, sourceFiles } from '../support/source-scan.ts';

const HOME = 'core/facts/repository-files.ts';

/** A generated file's name or folder as code would spell it (backslashes of a regular expression removed first). */
const SPELLINGS: RegExp[] = [
  /bitbucket-pipelines\.yml/,
  /pipelines-oidc\.json/,
  /(trust|inline)-policy\.json/,
  /terraform\.tfvars/,
  /\b(versions|variables|main|outputs)\.tf\b/,
  /oidc-role\.yaml/,
  /\bworkshop[^\s'"`]*\.yaml/,
  /\bworkshop\.json\b/,
  /\b(README|OIDC-SETUP|EXERCISE|SUMMARY)\.md\b/,
  /\.gitignore\b/,
  /(^|[^\w.-])(iam|terraform|cloudformation|facilitator)\//,
  /\/(iam|terraform|cloudformation|facilitator)\b(?![.-])/,
  // a folder among the alternatives of a regular expression
  /\((?:[\w-]+\|)*(iam|terraform|cloudformation|facilitator)[|)]/,
];

/** Each literal of `source` that spells a generated file (comments and import specifiers are not literals). */
export function spelledPaths(source: string): string[] {
  return literalsOf(source)
    .map((l) => ({ ...l, text: l.text.replace(/\\/g, '') }))
    .filter((l) => SPELLINGS.some((p) => p.test(l.text)))
    .map((l) => `line ${l.line}: ${l.text}`);
}

test('no module of src/ but core/facts/repository-files.ts spells the path of a generated file', () => {
  const src = join(ROOT, 'src');
  const files = sourceFiles(src);
  assert.ok(files.length > 50, `read ${files.length} files`);
  const found = files
    .filter((file) => relative(src, file) !== HOME)
    .flatMap((file) => spelledPaths(readFileSync(file, 'utf8')).map((line) => `${relative(src, file)}: ${line}`));
  assert.equal(found, [], `spelled outside ${HOME}:\n${found.join('\n')}`);
});

test('negative controls: the scan finds a path in a string, a template or a regular expression, not in a comment or an import', () => {
  const caught: Array<[string, string]> = [
    ["const f = 'iam/trust-policy.json';", 'iam/trust-policy.json'],
    ['const f = `iam/${environment}/inline-policy.json`;', '/inline-policy.json'],
    ['if (file === "bitbucket-pipelines.yml") return;', 'bitbucket-pipelines.yml'],
    ['const essential = /^(iam|terraform|cloudformation)\\//;', '^(iam|terraform|cloudformation)/'],
    ['if (x) return /^terraform\\/main\\.tf$/.test(f);', '^terraform/main.tf$'],
    ['const cmd = `cd ${d}/terraform && terraform init`;', '/terraform && terraform init'],
    ["const p = 'cloudformation/workshop-' + n + '.yaml';", 'cloudformation/workshop-'],
    [
      'const m = `${a ? `x ${b}` : "the answers in .pipelines-oidc.json give"}`;',
      'the answers in .pipelines-oidc.json give',
    ],
    ["const s = join(FACILITATOR, 'SUMMARY.md');", 'SUMMARY.md'],
    ["const g = rendered.get('.gitignore');", '.gitignore'],
    // a quote or backtick inside a regular expression does not hide what follows it
    ["const q = /[\"'`]/; const f = 'terraform/terraform.tfvars';", 'terraform/terraform.tfvars'],
    ["const h = a / b; const f = 'iam/inline-policy.json'; // c / d", 'iam/inline-policy.json'],
  ];
  for (const [line, literal] of caught) assert.ok(spelledPaths(line).includes(`line 1: ${literal}`), line);
  const ignored = [
    "import { plan } from '../core/iam/plan.js';",
    "import type { X } from '../cloudformation/x.js';",
    "export { FACILITATOR_DIR } from './workshop/facilitator.js';",
    "const m = await import('../render/terraform/x.js');",
    '// writes iam/trust-policy.json and terraform/main.tf',
    "/** bitbucket-pipelines.yml, README.md and .gitignore ('quoted') */",
    'const q = /`/; // iam/trust-policy.json',
    "if (service === 'iam' || service === 'cloudformation') return;",
    "const t = 'template.yaml';",
  ];
  for (const line of ignored) assert.equal(spelledPaths(line), [], line);
});

test('a role policy path is recognised as the role and kind it was generated for, and nothing else is', () => {
  for (const environment of [undefined, 'production', 'eu-west']) {
    assert.equal(rolePolicyFile(trustPolicyPath(environment)), {
      kind: 'trust',
      ...(environment ? { environment } : {}),
    });
    assert.equal(rolePolicyFile(inlinePolicyPath(environment)), {
      kind: 'inline',
      ...(environment ? { environment } : {}),
    });
  }
  assert.is(trustPolicyPath(), 'iam/trust-policy.json');
  assert.is(inlinePolicyPath('production'), 'iam/production/inline-policy.json');
  for (const other of [
    'iam//trust-policy.json',
    'iam/a/b/trust-policy.json',
    'x/iam/trust-policy.json',
    'iam/trust-policy.yaml',
    'iam/production',
    TERRAFORM_FILE.main,
  ])
    assert.is(rolePolicyFile(other), undefined, other);
});

test('the IAM side is what lies in the IAM, Terraform and CloudFormation folders; essential adds the pipeline', () => {
  for (const file of ['iam/x/trust-policy.json', TERRAFORM_FILE.tfvars, workshopStackPath()]) {
    assert.ok(isIamSide(file), file);
    assert.ok(isEssential(file), file);
  }
  assert.not.ok(isIamSide('bitbucket-pipelines.yml'));
  assert.ok(isEssential('bitbucket-pipelines.yml'));
  for (const file of ['README.md', 'OIDC-SETUP.md', '.gitignore', 'iam', 'terraformx/main.tf', 'docs/iam/a.json'])
    assert.not.ok(isEssential(file) || isIamSide(file), file);
});

test('a file in a folder named iam, in any case and at any depth, is in an IAM folder; a file named iam is not', () => {
  for (const file of ['iam/a.json', 'IAM/a.json', 'deploy/Iam/x/a.json']) assert.ok(inIamFolder(file), file);
  for (const file of ['iam', 'iam.json', 'siam/a.json', 'a/iam-x/b.json']) assert.not.ok(inIamFolder(file), file);
});

test('the workshop stacks: one, or numbered parts', () => {
  assert.is(workshopStackPath(), 'cloudformation/workshop.yaml');
  assert.is(workshopStackPath('02'), 'cloudformation/workshop-02.yaml');
});

test.run();
