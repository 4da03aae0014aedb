/**
 * `update` merging a file the user edited: three-way with what we generated last time (from the recorded
 * answers, else from real git history), conflicts marked in the file and finished by the user, a
 * resolved file accepted, deleted files restored. Through the built CLI, with real git.
 */
import { cpSync, existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasConflictMarkers } from '../../src/core/repo/update-plan.ts';
import { toolVersion } from '../../src/paths.ts';
import { assertOneLineError, readTree, runNew } from '../support/cli-helpers.ts';
import {
  answers,
  exampleFlags,
  git,
  GIT_IDENTITY,
  renderRepo,
  runCli,
  SHARED_REFERENCE,
  tempDir,
} from '../support/fixtures.ts';

const MANIFEST = '.pipelines-oidc.json';
const PIPELINE = 'bitbucket-pipelines.yml';
const SCHEMA = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');
const OFFLINE = { PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable' };
const ENV = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, FORCE_COLOR: undefined, ...GIT_IDENTITY };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const cli = (repo: string, args: string[]) => runCli(args, { cwd: repo, env: { ...ENV, ...OFFLINE } });
const read = (repo: string, path: string) => readFileSync(join(repo, path), 'utf8');
const edit = (repo: string, path: string, change: (text: string) => string) =>
  writeFileSync(join(repo, path), change(read(repo, path)));
const ours = (overrides: Parameters<typeof answers>[0]) => renderRepo(answers(overrides), toolVersion()).files;

interface Result {
  changes: Array<{ path: string; action: string; reason?: string; backup?: string }>;
}
const actions = (r: ReturnType<typeof runCli>) =>
  Object.fromEntries((JSON.parse(r.stdout) as Result).changes.map((c) => [c.path, c.action]));

/** A repository `new` wrote and committed (real git) in `repo/`; `body` gets its path. */
function withCommittedRepo(body: (repo: string, root: string) => void): void {
  const tmp = tempDir();
  try {
    const r = runNew([...exampleFlags(), '--dir', 'repo', '--yes'], tmp.path, GIT_IDENTITY);
    assert.is(r.status, 0, r.stderr);
    body(join(tmp.path, 'repo'), tmp.path);
  } finally {
    tmp.cleanup();
  }
}

// the session name is on a line that --auth assume-role rewrites: an edit there overlaps our change
const renameSession = (t: string) =>
  t.replaceAll('AWS_ROLE_SESSION_NAME="bitbucket-pipelines-', 'AWS_ROLE_SESSION_NAME="acme-');

test('an overlapping edit is marked in the file; the user finishes it; the resolved file is accepted', () => {
  withCommittedRepo((repo) => {
    edit(repo, PIPELINE, renameSession);
    const first = cli(repo, ['update', '--auth', 'assume-role']);
    assert.is(first.status, 1, first.stderr);
    assert.match(first.stdout, `! ${PIPELINE} (`);
    assert.match(first.stderr, 'run pipelines-oidc update again to finish');
    // a change left with conflicts is not done: the only next step is to resolve them, not to commit
    const steps = first.stdout.slice(first.stdout.indexOf('Next steps'));
    assert.match(steps, `1. Resolve the conflicts in ${PIPELINE}`);
    assert.match(steps, 'then run: pipelines-oidc update --dir');
    assert.not.match(steps, /commit|push|2\./);
    const marked = read(repo, PIPELINE);
    assert.match(marked, `<<<<<<< ${PIPELINE} (yours)`);
    assert.match(marked, `>>>>>>> ${PIPELINE} (pipelines-oidc ${toolVersion()})`);
    const expected = ours({ auth: 'assume-role' });
    assert.is(read(repo, 'README.md'), expected.get('README.md'), 'the rest of the change is written');
    assert.is((JSON.parse(read(repo, MANIFEST)) as { answers: { auth: string } }).answers.auth, 'assume-role');

    const before = readTree(repo);
    assertOneLineError(cli(repo, ['update']), 1, [PIPELINE, 'conflict markers', '--force']);
    assert.equal(readTree(repo), before, 'a file with markers left is not touched, nor anything else');

    // the user keeps our side of each block and renames the step on the way
    const resolved = marked
      .replace(/^<{7} .*\n[\s\S]*?^={7}\n([\s\S]*?)^>{7} .*\n/gm, (_, oursSide: string) => oursSide)
      .replace('name: Check the AWS OIDC role', 'name: Check our AWS role');
    assert.is.not(resolved, expected.get(PIPELINE));
    writeFileSync(join(repo, PIPELINE), resolved);
    const accepted = cli(repo, ['update', '--json']);
    assert.is(accepted.status, 0, accepted.stderr);
    assert.equal(actions(accepted), { [PIPELINE]: 'edited' });
    assert.is(read(repo, PIPELINE), resolved);

    const checked = cli(repo, ['check', '--json', ...(existsSync(SCHEMA) ? ['--schema', SCHEMA] : [])]);
    assert.is(checked.status, 0, checked.stdout);
  });
});

test('a change that would leave the pipeline invalid YAML (a key twice) is refused, exit 1, and nothing is written', () => {
  withCommittedRepo((repo) => {
    // the user's own part of the file already holds a key twice: a merged file would still be invalid
    edit(repo, PIPELINE, (t) => `image: node:22\nimage: node:24\n${t}`);
    const before = readTree(repo);
    assertOneLineError(cli(repo, ['add', 's3-static-site', '--site-bucket', 'www.example.com', '--yes']), 1, [
      `${PIPELINE} would not be valid YAML after this change`,
      'nothing was written',
    ]);
    assert.equal(readTree(repo), before);
  });
});

/** An earlier version's output of the pipeline file (a comment worded otherwise), recorded as generated. */
function asEarlierVersionWrote(repo: string): string {
  const earlier = read(repo, PIPELINE).replace(
    '# Generated by pipelines-oidc.',
    '# Generated by pipelines-oidc 0.0.9.',
  );
  writeFileSync(join(repo, PIPELINE), earlier);
  const manifest = JSON.parse(read(repo, MANIFEST)) as { files: Record<string, string> };
  manifest.files[PIPELINE] = sha256(earlier);
  writeFileSync(join(repo, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return earlier;
}

test('after the templates changed, git history gives the base; a plain folder marks every difference', () => {
  withCommittedRepo((repo, root) => {
    asEarlierVersionWrote(repo);
    git(repo, ['commit', '-qam', 'as an earlier version wrote it'], GIT_IDENTITY);
    edit(repo, PIPELINE, (t) => `${t}# our deploy notes\n`);
    const plain = join(root, 'plain');
    cpSync(repo, plain, { recursive: true });
    rmSync(join(plain, '.git'), { recursive: true });

    const merged = cli(repo, ['update', '--auth', 'assume-role', '--json']);
    assert.is(merged.status, 0, merged.stderr);
    assert.is(actions(merged)[PIPELINE], 'merged');
    assert.is(read(repo, PIPELINE), `${ours({ auth: 'assume-role' }).get(PIPELINE)}# our deploy notes\n`);

    const marked = cli(plain, ['update', '--auth', 'assume-role', '--json']);
    assert.is(marked.status, 1, marked.stderr);
    const change = (JSON.parse(marked.stdout) as Result).changes.find((c) => c.path === PIPELINE)!;
    assert.is(change.action, 'conflict');
    assert.match(change.reason!, 'no earlier version found');
    assert.match(read(plain, PIPELINE), '<<<<<<<');
  });
});

test('a staged earlier version is found too, before any commit has it', () => {
  withCommittedRepo((repo) => {
    asEarlierVersionWrote(repo);
    git(repo, ['add', PIPELINE]);
    edit(repo, PIPELINE, (t) => `${t}# our deploy notes\n`);
    const r = cli(repo, ['update', '--auth', 'assume-role', '--json']);
    assert.is(r.status, 0, r.stderr);
    assert.is(actions(r)[PIPELINE], 'merged');
  });
});

test('update restores a deleted generated file, and check reports it missing until then', () => {
  withCommittedRepo((repo) => {
    const before = readTree(repo);
    unlinkSync(join(repo, PIPELINE));
    const missing = cli(repo, ['check', '--json']);
    assert.is(missing.status, 1);
    assert.ok(
      (JSON.parse(missing.stdout) as { findings: Array<{ id: string; file: string }> }).findings.some(
        (f) => f.id === 'repo.missing-file' && f.file === PIPELINE,
      ),
      missing.stdout,
    );
    const r = cli(repo, ['update']);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, `+ ${PIPELINE} (deleted since it was generated: restored)`);
    assert.equal(readTree(repo), before);
  });
});

test('--force keeps the edited file under the next free .orig name, never over an earlier backup', () => {
  withCommittedRepo((repo) => {
    const flags = ['update', '--target', 'sts-check,s3-static-site', '--site-bucket', 'www.example.com'];
    writeFileSync(join(repo, 'iam/inline-policy.json.orig'), 'an older backup\n');
    edit(repo, 'iam/inline-policy.json', (t) => `${t}\n`);
    const forced = cli(repo, [...flags, '--force', '--json']);
    assert.is(forced.status, 0, forced.stderr);
    const change = (JSON.parse(forced.stdout) as Result).changes.find((c) => c.path === 'iam/inline-policy.json');
    assert.equal(change?.action, 'replaced');
    assert.equal(change?.backup, 'iam/inline-policy.json.orig.2');
    assert.is(read(repo, 'iam/inline-policy.json.orig'), 'an older backup\n');
  });
});

const TERRAFORM = ['terraform/terraform.tfvars', 'terraform/main.tf'];
const hasTerraform = spawnSync('terraform', ['version']).status === 0;

for (const history of ['committed', 'not in git history']) {
  test(`a Terraform file the user ran terraform fmt on (written with another layout, ${history}) is updated, not merged`, () => {
    if (!hasTerraform) return console.log('  skipped: terraform is not installed (CI has it)');
    withCommittedRepo((repo) => {
      const formatted = Object.fromEntries(TERRAFORM.map((path) => [path, read(repo, path)]));
      // as an earlier version wrote them: no `=` aligned, recorded as generated
      const manifest = JSON.parse(read(repo, MANIFEST)) as { files: Record<string, string> };
      for (const path of TERRAFORM) {
        edit(repo, path, (t) => t.replace(/^([ \t]*[\w"-]+) +=(?!=)/gm, '$1 ='));
        assert.is.not(read(repo, path), formatted[path]);
        manifest.files[path] = sha256(read(repo, path));
      }
      writeFileSync(join(repo, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      if (history === 'committed') git(repo, ['commit', '-qam', 'as an earlier version wrote it'], GIT_IDENTITY);

      const fmt = spawnSync('terraform', ['fmt', 'terraform'], { cwd: repo, encoding: 'utf8' });
      assert.is(fmt.status, 0, fmt.stderr);
      for (const path of TERRAFORM)
        assert.is(read(repo, path), formatted[path], `terraform fmt laid out ${path} as we do`);

      const r = cli(repo, ['update', '--region', 'us-east-1', '--json']);
      assert.is(r.status, 0, r.stderr);
      // main.tf has no region in it: it is as we generate it, left as it is (not listed)
      assert.equal(
        TERRAFORM.map((path) => actions(r)[path]),
        ['update', undefined],
      );
      const now = ours({ region: 'us-east-1' });
      for (const path of TERRAFORM) assert.is(read(repo, path), now.get(path), path);
      assert.is(hasConflictMarkers(read(repo, TERRAFORM[0]!)), false);
    });
  });
}

test.run();
