/**
 * OIDC added to an application's own repository (`new --dir .` in a folder without our manifest): our
 * pipelines go into its `bitbucket-pipelines.yml` with its comments kept, our README is OIDC-SETUP.md,
 * no file of the application is replaced, and `add`/`update` keep working on the shared pipeline file.
 * Real git; the merged pipeline is validated against Atlassian's schema.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseManifest } from '../../src/core/repo/manifest.ts';
import { toolVersion } from '../../src/paths.ts';
import { assertOneLineError, readTree, runNew } from '../support/cli-helpers.ts';
import { exampleFlags, git, GIT_IDENTITY, renderRepo, runCli, SHARED_REFERENCE, tempDir } from '../support/fixtures.ts';
import { pipelinesValidator, referencePresent } from '../support/schema-reference.ts';

const PIPELINE = 'bitbucket-pipelines.yml';
const SCHEMA = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');
const ENV = { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, FORCE_COLOR: undefined, ...GIT_IDENTITY };
const validate = referencePresent() ? pipelinesValidator() : undefined;

const APP_PIPELINE = `# CI of the app: tests on every push
image: node:20
pipelines:
  default:
    - step:
        name: Test # the whole suite
        script:
          - npm ci
          - npm test
  branches:
    develop:
      - step:
          name: Preview
          script:
            - echo preview
`;
const APP_FILES: Record<string, string> = {
  'README.md': '# The app\n\nIts own readme.\n',
  [PIPELINE]: APP_PIPELINE,
  '.gitignore': 'node_modules/\n.env\n',
  'src/index.js': 'console.log("app");\n',
};

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
const cli = (dir: string, args: string[]) =>
  runCli(args, { cwd: dir, env: { ...ENV, PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable' } });

/** An application repository with one commit, in `app/`. */
function withApp(body: (app: string) => void, files = APP_FILES): void {
  const tmp = tempDir();
  try {
    const app = join(tmp.path, 'app');
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(app, path, '..'), { recursive: true });
      writeFileSync(join(app, path), content);
    }
    git(app, ['init', '-q', '-b', 'main']);
    git(app, ['add', '-A']);
    git(app, ['commit', '-qm', 'the app'], GIT_IDENTITY);
    body(app);
  } finally {
    tmp.cleanup();
  }
}

function assertValidPipeline(text: string): void {
  if (!validate) return;
  assert.ok(validate(parse(text)), JSON.stringify(validate.errors?.slice(0, 3)));
}

test("new --dir . adds our pipelines to the app's own file, comments kept, and replaces none of its files", () => {
  withApp((app) => {
    const r = runNew(
      [
        ...exampleFlags({ target: 'sts-check,s3-static-site' }),
        '--site-bucket',
        'www.example.com',
        '--dir',
        '.',
        '--yes',
      ],
      app,
      GIT_IDENTITY,
    );
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, `${PIPELINE} (our pipelines added to yours)`);
    const recorded = parseManifest(read(app, '.pipelines-oidc.json'), '.pipelines-oidc.json');
    const ours = renderRepo(recorded.answers, toolVersion(), { existingRepository: true }).files;

    assert.is(read(app, 'README.md'), APP_FILES['README.md']);
    assert.is(read(app, 'src/index.js'), APP_FILES['src/index.js']);
    assert.is(read(app, 'OIDC-SETUP.md'), ours.get('OIDC-SETUP.md'));
    assert.match(read(app, 'OIDC-SETUP.md'), '`OIDC-SETUP.md` | this file');
    assert.ok(read(app, '.gitignore').startsWith(APP_FILES['.gitignore']!), 'the app’s lines first, unchanged');
    assert.match(read(app, '.gitignore'), '*.tfstate');

    const merged = read(app, PIPELINE);
    for (const comment of ['# CI of the app: tests on every push', '# the whole suite']) assert.match(merged, comment);
    const mine = parse(APP_PIPELINE) as { pipelines: Record<string, Record<string, unknown>> };
    const generated = parse(ours.get(PIPELINE)!) as { pipelines: Record<string, Record<string, unknown>> };
    const result = parse(merged) as { image: string; pipelines: Record<string, Record<string, unknown>> };
    assert.is(result.image, 'node:20');
    assert.equal(result.pipelines['default'], mine.pipelines['default']);
    assert.equal(result.pipelines['branches'], { ...mine.pipelines['branches'], ...generated.pipelines['branches'] });
    assert.equal(result.pipelines['custom'], generated.pipelines['custom']);
    assertValidPipeline(merged);
    // a step that misses a variable points to the file that explains it, not to the app's README
    assert.match(merged, 'AWS_OIDC_ROLE_ARN (see OIDC-SETUP.md)');
    assert.not.match(merged, 'see README.md');

    assert.is(git(app, ['rev-list', '--count', 'HEAD']), '1', 'the app’s history is left to its owner');
    const manifest = JSON.parse(read(app, '.pipelines-oidc.json')) as { existingRepository?: boolean; files: object };
    assert.is(manifest.existingRepository, true);
    assert.ok('OIDC-SETUP.md' in manifest.files && !('README.md' in manifest.files));

    const checked = cli(app, ['check', '--json', ...(validate ? ['--schema', SCHEMA] : [])]);
    assert.is(checked.status, 0, checked.stdout);
  });
});

test('a pipeline name the app already uses is refused naming it, and nothing is written', () => {
  const clashing = APP_PIPELINE.replace(
    '  branches:',
    '  custom:\n    test-aws-oidc:\n      - step:\n          script:\n            - echo mine\n  branches:',
  );
  withApp(
    (app) => {
      const before = readTree(app);
      assertOneLineError(runNew([...exampleFlags(), '--dir', '.', '--yes', '--force'], app, GIT_IDENTITY), 1, [
        'pipelines.custom.test-aws-oidc',
        'Nothing was written',
      ]);
      assert.equal(readTree(app), before);
    },
    { ...APP_FILES, [PIPELINE]: clashing },
  );
});

test("add and update change only our pipelines in the app's file; the app's edits stay", () => {
  withApp((app) => {
    assert.is(runNew([...exampleFlags(), '--dir', '.', '--yes'], app, GIT_IDENTITY).status, 0);
    git(app, ['add', '-A']);
    git(app, ['commit', '-qm', 'OIDC'], GIT_IDENTITY);
    writeFileSync(join(app, PIPELINE), read(app, PIPELINE).replace('echo preview', 'echo preview twice'));

    const added = cli(app, ['add', 's3-static-site', '--site-bucket', 'www.example.com']);
    assert.is(added.status, 0, added.stderr);
    let result = parse(read(app, PIPELINE)) as { pipelines: { branches: Record<string, unknown>; custom: object } };
    assert.equal(Object.keys(result.pipelines.branches).sort(), ['develop', 'main']);
    assert.match(read(app, PIPELINE), 'echo preview twice');
    assert.match(read(app, PIPELINE), '# the whole suite');
    assertValidPipeline(read(app, PIPELINE));
    assert.is(read(app, 'README.md'), APP_FILES['README.md']);

    const removed = cli(app, ['update', '--target', 'sts-check']);
    assert.is(removed.status, 0, removed.stderr);
    result = parse(read(app, PIPELINE)) as typeof result;
    assert.equal(Object.keys(result.pipelines.branches), ['develop']);
    assert.ok('test-aws-oidc' in result.pipelines.custom);
    assert.match(read(app, PIPELINE), 'echo preview twice');

    const again = cli(app, ['update']);
    assert.is(again.status, 0, again.stderr);
    assert.match(again.stdout, 'up to date');
    assert.is(read(app, 'README.md'), APP_FILES['README.md']);
  });
});

test.run();
