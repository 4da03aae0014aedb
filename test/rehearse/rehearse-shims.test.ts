/**
 * The shims decide as their tools do on the inputs that decide it, without an emulator: `npm ci` needs a
 * lockfile, `python -m build` names its files from pyproject.toml or setup.cfg.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SHIMS } from '../../src/io/rehearse/shims.ts';
import { tempDir } from '../support/fixtures.ts';

/** A folder with the shims, a project folder and a home; `run` runs a shim there as a step would. */
function workspace() {
  const root = tempDir().path;
  const shims = join(root, 'shims');
  const project = join(root, 'project');
  const home = join(root, 'home');
  for (const d of [shims, project, home]) mkdirSync(d);
  for (const [name, text] of Object.entries(SHIMS)) {
    writeFileSync(join(shims, name), text);
    chmodSync(join(shims, name), 0o755);
  }
  const record = join(root, 'recorded');
  writeFileSync(record, '');
  const run = (name: string, args: string[]) =>
    spawnSync(join(shims, name), args, {
      cwd: project,
      encoding: 'utf8',
      env: {
        PATH: `${shims}:${process.env['PATH'] ?? ''}`,
        HOME: home,
        REHEARSAL_SHIMS: shims,
        REHEARSAL_RECORD: record,
      },
    });
  return { project, home, run };
}

test('npm ci without package-lock.json or npm-shrinkwrap.json stops with EUSAGE before it reaches the registry', () => {
  const w = workspace();
  writeFileSync(join(w.project, 'package.json'), '{"name":"widgets","version":"1.0.0"}\n');
  const r = w.run('npm', ['ci']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /npm error code EUSAGE/);
  assert.match(r.stderr, /The `npm ci` command can only install with an existing package-lock\.json/);
  // with a lockfile it goes on to the registry, which this workspace has not configured
  writeFileSync(join(w.project, 'npm-shrinkwrap.json'), '{"lockfileVersion":3}\n');
  const locked = w.run('npm', ['ci']);
  assert.is(locked.status, 1);
  assert.match(locked.stderr, /no registry configured/);
});

test('python -m build names the sdist and wheel from pyproject.toml [project], else setup.cfg [metadata], normalized', () => {
  const w = workspace();
  writeFileSync(join(w.project, 'setup.cfg'), '[metadata]\nname = Acme.Widgets\nversion = 2.1.0\n');
  assert.is(w.run('python', ['-m', 'build']).status, 0);
  assert.equal(readdirSync(join(w.project, 'dist')).sort(), [
    'acme_widgets-2.1.0-py3-none-any.whl',
    'acme_widgets-2.1.0.tar.gz',
  ]);
  const v = workspace();
  writeFileSync(join(v.project, 'pyproject.toml'), '[project]\nname = "acme-widgets"\nversion = "3.0.0"\n');
  assert.is(v.run('python', ['-m', 'build']).status, 0);
  assert.ok(readdirSync(join(v.project, 'dist')).includes('acme_widgets-3.0.0.tar.gz'));
  const none = workspace();
  writeFileSync(join(none.project, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools"]\n');
  const r = none.run('python', ['-m', 'build']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /no project name and version/);
});

test.run();
