/**
 * The package as a user gets it: `npm pack`, installed into an empty folder from the npm cache (never
 * the network), then the installed `pipelines-oidc` binary and the shipped plopfile run on plain Node.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { readTree } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, ROOT, SHARED_REFERENCE, tempDir } from '../support/fixtures.ts';

interface PackageJson {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
}

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const EXAMPLE_TREE = readTree(join(ROOT, 'examples/phub-oidc-check'));
const SCHEMA = join(SHARED_REFERENCE, 'bitbucket/pipelines-configuration.schema.json');

/**
 * npm may use its cache only. The registry stays as configured (the cache is keyed by its URL); any
 * request would go to a proxy on a closed loopback port and fail at once instead of reaching out.
 */
const NO_NETWORK = {
  npm_config_offline: 'true',
  npm_config_proxy: 'http://127.0.0.1:9',
  npm_config_https_proxy: 'http://127.0.0.1:9',
  npm_config_noproxy: '',
  npm_config_fetch_retries: '0',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  NO_PROXY: undefined,
  no_proxy: undefined,
};

const tmp = tempDir('pipelines-oidc-installed-');
const app = join(tmp.path, 'app');
let packed: string[] = [];

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    input: '',
    // the installed binary's `#!/usr/bin/env node` finds the Node that runs the tests
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`,
      NO_COLOR: '1',
      FORCE_COLOR: undefined,
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      ...env,
    },
  });
}
const ok = (r: SpawnSyncReturns<string>, what: string) => assert.is(r.status, 0, `${what}:\n${r.stdout}\n${r.stderr}`);
const installed = (args: string[], cwd = tmp.path) =>
  run(join(app, 'node_modules/.bin/pipelines-oidc'), args, cwd, {
    PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable',
    XDG_CACHE_HOME: join(tmp.path, 'cache'),
  });

/**
 * The tested dependency versions, for the installing folder: the production entries of our lockfile
 * (no published package carries one, and without it npm would need the registry to resolve ranges).
 */
function consumerLock(tarball: string, integrity: string) {
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const production = Object.entries(ours.packages).filter(
    ([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.devOptional,
  );
  const { name, version, license, bin, engines, dependencies } = PKG;
  return {
    name: 'consumer',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'consumer', dependencies: { [name]: tarball } },
      [`node_modules/${name}`]: { version, resolved: tarball, integrity, license, dependencies, bin, engines },
      ...Object.fromEntries(production),
    },
  };
}

test.before(() => {
  // --ignore-scripts: `npm test` has just built dist/, and rebuilding it here would race other suites
  const pack = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp.path], ROOT, NO_NETWORK);
  ok(pack, 'npm pack');
  const [result] = JSON.parse(pack.stdout) as Array<{
    filename: string;
    integrity: string;
    files: Array<{ path: string }>;
  }>;
  packed = result!.files.map((f) => f.path);
  const tarball = `file:../${result!.filename}`;
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies: { [PKG.name]: tarball } }),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(consumerLock(tarball, result!.integrity)));
  const install = run('npm', ['ci'], app, NO_NETWORK);
  ok(install, 'npm ci --offline of the packed tarball');
  installWarnings = install.stderr.split('\n').filter((l) => /\bwarn/i.test(l));
});
let installWarnings: string[] = [];

test('installing the package prints no warning, and runs no build (the tarball is built when packed)', () => {
  assert.equal(installWarnings, []);
  assert.is(PKG.scripts?.['prepare'], undefined, 'a prepare script would build on every install');
  assert.ok(PKG.scripts?.['prepack'], 'the tarball is built when packed');
});

test('the package holds what it needs only: the built code of each source module, the templates, README, LICENSE', () => {
  const allowed = /^(dist\/.+\.js|templates\/.+\.hbs|package\.json|README\.md|LICENSE)$/;
  assert.equal(
    packed.filter((f) => !allowed.test(f)),
    [],
  );
  assert.ok(packed.includes('LICENSE'));
  // a module left in dist/ by an earlier build of a since-removed source would ship too
  const stale = packed.filter(
    (f) =>
      f.startsWith('dist/') &&
      f !== 'dist/templates.js' &&
      !existsSync(join(ROOT, 'src', f.slice('dist/'.length).replace(/\.js$/, '.ts'))),
  );
  assert.equal(stale, []);
});
test.after(tmp.cleanup);

test('the package ships the built CLI, the built generators (a plopfile) and the templates, and no TypeScript', () => {
  for (const file of [
    'dist/cli.js',
    'dist/generator.js',
    'dist/templates.js',
    'templates/repo/README.md.hbs',
    'package.json',
  ])
    assert.ok(packed.includes(file), `${file} is missing from the package`);
  assert.equal(
    packed.filter((f) => f.endsWith('.ts') || f.startsWith('src/') || f.startsWith('test/')),
    [],
  );
});

test('the installed binary: `new` on the example answers writes the committed example, and `check` passes on it', () => {
  ok(installed(['new', '--answers', EXAMPLE_ANSWERS_FILE, '--dir', 'new', '--yes', '--no-git']), 'pipelines-oidc new');
  assert.equal(readTree(join(tmp.path, 'new')), EXAMPLE_TREE);
  const r = installed(['check', 'new', '--json', ...(existsSync(SCHEMA) ? ['--schema', SCHEMA] : [])]);
  ok(r, 'pipelines-oidc check');
  assert.is((JSON.parse(r.stdout) as { ok: boolean }).ok, true);
});

test('the installed binary: `gallery` lists every built-in target', () => {
  const r = installed(['gallery', '--json']);
  ok(r, 'pipelines-oidc gallery');
  const ids = (JSON.parse(r.stdout) as Array<{ id: string }>).map((t) => t.id);
  assert.equal(
    ids,
    BUILT_IN_TARGETS.map((t) => t.id),
  );
});

test('plop 4 on plain Node loads the shipped generators as its plopfile and writes the same example', () => {
  const answers = JSON.parse(readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')) as Record<string, string>;
  const bypass = Object.entries({ ...answers, environments: '' }).flatMap(([k, v]) => [`--${k}`, v]);
  const plopfile = join(app, 'node_modules', PKG.name, 'dist/generator.js');
  const dest = join(tmp.path, 'plop');
  mkdirSync(dest);
  const r = run(
    process.execPath,
    [join(ROOT, 'node_modules/plop/bin/plop.js'), '--plopfile', plopfile, '--dest', dest, 'repo', '--', ...bypass],
    dest,
  );
  ok(r, 'plop');
  // plop exits 0 even when it could not load the plopfile: the files are the proof
  assert.equal(readTree(join(dest, answers['name']!)), EXAMPLE_TREE);
});

test.run();
