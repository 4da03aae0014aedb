/**
 * The gallery a repository's manifest names is loaded only from inside that repository, by every command
 * that opens one (`update`, `add`, `apply`, `doctor`, `rehearse`, as `check` and `workshop grade` already did):
 * a gallery elsewhere on this machine needs `--gallery <dir>` from the person running the command. Refused
 * with one line naming --gallery, exit 2, nothing written, and no request to AWS or Bitbucket.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneLineError, readTree, runCliAsync, runNew, unsetting } from '../support/cli-helpers.ts';
import { exampleFlags, ROOT, tempDir } from '../support/fixtures.ts';

const tmp = tempDir('pipelines-oidc-repository-gallery-');
const repo = join(tmp.path, 'repo');
let requests = 0;
const server = createServer((_, res) => (requests++, res.writeHead(500).end()));
let url = '';

/** Every AWS and Bitbucket request goes to the local server, which counts it. */
function env(): Record<string, string | undefined> {
  return {
    ...unsetting('AWS_', 'BITBUCKET_'),
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_MAX_ATTEMPTS: '1',
    BITBUCKET_API_URL: url,
    BITBUCKET_ACCESS_TOKEN: 'token',
  };
}
const cli = (args: string[], bitbucket = true) =>
  runCliAsync(args, { cwd: tmp.path, env: { ...env(), ...(bitbucket ? {} : { BITBUCKET_ACCESS_TOKEN: undefined }) } });

test.before(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a gallery beside the repository, as a team shares one: new records it as ../shared-gallery
  cpSync(join(ROOT, 'test/fixtures/gallery-ok'), join(tmp.path, 'shared-gallery'), { recursive: true });
  const made = runNew(
    [
      ...exampleFlags({ name: 'repo' }),
      '--target',
      'sts-check,sns-notify',
      '--topic-name',
      'deploy-events',
      '--gallery',
      'shared-gallery',
      '--no-git',
      '--yes',
    ],
    tmp.path,
  );
  assert.is(made.status, 0, made.stderr);
  assert.match(readTree(repo).get('.pipelines-oidc.json')!, '"gallery": "../shared-gallery"');
});

test.after(() => {
  server.close();
  tmp.cleanup();
});

const REFUSING = [
  ['update', '--dir', 'repo', '--region', 'eu-central-1', '--yes'],
  ['add', 'ecr-push', '--dir', 'repo', '--ecr-repository', 'acme/web', '--yes'],
  ['apply', 'repo', '--yes'],
  ['doctor', 'repo'],
  ['rehearse', 'repo', '--endpoint', 'http://127.0.0.1:9'],
];

for (const args of REFUSING) {
  test(`${args[0]}: a manifest naming a gallery outside the repository is refused, naming --gallery`, async () => {
    const before = readTree(repo);
    requests = 0;
    assertOneLineError(await cli(args), 2, [
      'repo/.pipelines-oidc.json "gallery" ../shared-gallery',
      'lies outside the repository',
      '--gallery <dir>',
    ]);
    assert.equal(readTree(repo), before, 'nothing written');
    assert.is(requests, 0, 'no request to AWS or Bitbucket');
  });
}

test('the same gallery given with --gallery by the person running the command is loaded', async () => {
  const dry = await cli(['update', '--dir', 'repo', '--gallery', 'shared-gallery', '--dry-run', '--yes'], false);
  assert.is(dry.status, 0, dry.stderr);
  for (const args of [
    ['apply', 'repo', '--gallery', 'shared-gallery', '--dry-run'],
    ['doctor', 'repo', '--gallery', 'shared-gallery'],
  ]) {
    requests = 0;
    const r = await cli(args);
    assert.not.match(r.stderr, '"gallery"', r.stderr);
    assert.ok(requests > 0, `${args[0]} went on to call AWS`);
  }
});

test('a gallery folder inside the repository is still loaded from the manifest', async () => {
  cpSync(join(ROOT, 'test/fixtures/gallery-ok'), join(repo, 'targets'), { recursive: true });
  const manifest = join(repo, '.pipelines-oidc.json');
  writeFileSync(manifest, readTree(repo).get('.pipelines-oidc.json')!.replace('../shared-gallery', 'targets'));
  const r = await cli(['update', '--dir', 'repo', '--dry-run', '--yes'], false);
  assert.is(r.status, 0, r.stderr);
});

test.run();
