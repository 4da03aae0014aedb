/**
 * Property: whatever links a repository folder holds (to files and folders, inside it, outside it,
 * dangling, to itself), `new --force` and `update` never write outside it and never end in an
 * unexpected error. A sentinel folder beside it must be byte-identical afterwards, and no link target
 * outside may come into being.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readTree, runNew } from '../support/cli-helpers.ts';
import { exampleFlags, runCli, tempDir } from '../support/fixtures.ts';

/** Paths `new` writes, and the folders they are in: where a link does the most harm. */
const SPOTS = [
  'iam',
  'terraform',
  'cloudformation',
  'README.md',
  '.gitignore',
  'bitbucket-pipelines.yml',
  '.pipelines-oidc.json',
  'iam/trust-policy.json',
  'terraform/main.tf',
  'terraform/terraform.tfvars',
  'cloudformation/oidc-role.yaml',
];
const KINDS = ['outside-folder', 'outside-file', 'inside-folder', 'dangling', 'itself', 'plain'] as const;
type Kind = (typeof KINDS)[number];

function plant(root: string, out: string, spot: string, kind: Kind): void {
  const at = join(out, spot);
  // a spot under a folder already turned into a link (or a file) is left alone: planting there would write outside
  const parts = spot.split('/');
  for (let i = 1; i < parts.length; i++) {
    const info = lstatSync(join(out, ...parts.slice(0, i)), { throwIfNoEntry: false });
    if (info && !info.isDirectory()) return;
  }
  mkdirSync(dirname(at), { recursive: true });
  rmSync(at, { recursive: true, force: true });
  const to: Record<Kind, string | undefined> = {
    'outside-folder': join(root, 'outside'),
    'outside-file': join(root, 'outside', 'keep.txt'),
    'inside-folder': join(out, 'elsewhere'),
    dangling: join(root, 'nowhere', spot),
    itself: '.',
    plain: undefined,
  };
  const target = to[kind];
  if (target === undefined) writeFileSync(at, 'hand-written\n');
  else symlinkSync(target, at);
}

/** Every entry under `dir`, folders and links included, with file contents. */
function snapshot(dir: string): string {
  const names = readdirSync(dir, { recursive: true }).map(String).sort();
  return JSON.stringify([names, [...readTree(dir)]]);
}

const layouts = fc.array(fc.record({ spot: fc.constantFrom(...SPOTS), kind: fc.constantFrom(...KINDS) }), {
  minLength: 1,
  maxLength: 5,
});

function property(run: (root: string) => ReturnType<typeof runCli>, base: string) {
  return (planted: Array<{ spot: string; kind: Kind }>) => {
    const tmp = tempDir();
    try {
      const root = tmp.path;
      mkdirSync(join(root, 'outside', 'iam'), { recursive: true });
      writeFileSync(join(root, 'outside', 'keep.txt'), 'untouched\n');
      writeFileSync(join(root, 'outside', 'iam', 'trust-policy.json'), '{"untouched": true}\n');
      cpSync(base, join(root, 'out'), { recursive: true });
      mkdirSync(join(root, 'out', 'elsewhere'), { recursive: true });
      const before = snapshot(join(root, 'outside'));
      for (const { spot, kind } of planted) plant(root, join(root, 'out'), spot, kind);
      const r = run(root);
      assert.ok([0, 1, 2].includes(r.status ?? -1), `exit ${r.status}: ${r.stderr}`);
      assert.not.match(r.stderr, 'unexpected error');
      assert.is(snapshot(join(root, 'outside')), before, `outside changed: ${JSON.stringify(planted)}`);
      assert.not.ok(existsSync(join(root, 'nowhere')), 'a dangling link was written through');
    } finally {
      tmp.cleanup();
    }
  };
}

const bases = tempDir();
const generated = join(bases.path, 'generated');
const empty = join(bases.path, 'empty');
mkdirSync(empty);
const made = runNew([...exampleFlags({ iac: 'terraform' }), '--dir', generated, '--no-git'], bases.path);
test.after(() => bases.cleanup());

test('new --force over any links never writes outside the folder', () => {
  assert.is(made.status, 0, made.stderr);
  fc.assert(
    fc.property(
      layouts,
      property((root) => runNew([...exampleFlags(), '--dir', 'out', '--no-git', '--force'], root), empty),
    ),
    { numRuns: 12 },
  );
});

test('update (forced or not) over any links never writes outside the folder', () => {
  fc.assert(
    fc.property(
      layouts,
      fc.boolean(),
      (planted, force) =>
        void property(
          (root) =>
            runCli(
              ['update', '--dir', 'out', '--iac', 'both', '--region', 'us-east-1', ...(force ? ['--force'] : [])],
              {
                cwd: root,
                env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
              },
            ),
          generated,
        )(planted),
    ),
    { numRuns: 12 },
  );
});

test.run();
