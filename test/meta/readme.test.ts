/** The README's generated sections (gallery, apply's permissions, check's findings) must stay in step with their definitions. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { usageOfAll } from '../../src/commands/help.ts';
import { COMMAND_TABLE } from '../../src/core/cli/command-table.ts';
import { findingsMarkdown } from '../../src/core/check/docs.ts';
import { RULES } from '../../src/core/check/rules.ts';
import { README_PERMISSIONS } from '../../src/core/iam/permissions.ts';
import { galleryMarkdown } from '../../src/core/targets/docs.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { ROOT } from '../support/fixtures.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('the README documents every built-in target with its permissions (npm run docs)', () => {
  const section = /<!-- gallery:start -->\n([\s\S]*?)\n<!-- gallery:end -->/.exec(readme)?.[1];
  assert.ok(section !== undefined, 'README.md has the gallery markers');
  assert.fixture(section!, galleryMarkdown(BUILT_IN_TARGETS), 'README.md is out of date: run npm run docs');
  for (const t of BUILT_IN_TARGETS) {
    assert.ok(section!.includes(`\`${t.id}\``), `${t.id} is documented`);
    for (const s of t.statements)
      for (const a of ([] as string[]).concat(s.Action))
        assert.ok(section!.includes(`\`${a}\``), `${t.id}: ${a} is documented`);
  }
});

test('the README shows the usage of every command, as the command table defines it (npm run docs)', () => {
  const section = /<!-- usage:start -->\n```\n([\s\S]*?)\n```\n<!-- usage:end -->/.exec(readme)?.[1];
  assert.ok(section !== undefined, 'README.md has the usage markers and a code block');
  assert.fixture(section!, usageOfAll(), 'README.md is out of date: run npm run docs');
  for (const c of COMMAND_TABLE) {
    assert.match(section!, `pipelines-oidc ${c.name}`, c.name);
    for (const o of c.options) assert.match(section!, `--${o.flag}`, `${c.name} --${o.flag}`);
  }
});

test('the README shows the permissions apply and doctor need, as defined (npm run docs)', () => {
  const section = /<!-- apply-permissions:start -->\n```json\n([\s\S]*?)\n```\n<!-- apply-permissions:end -->/.exec(
    readme,
  )?.[1];
  assert.ok(section !== undefined, 'README.md has the apply-permissions markers and a JSON block');
  assert.equal(JSON.parse(section!), README_PERMISSIONS, 'README.md is out of date: run npm run docs');
});

test("the README lists check's findings as its rule table declares them (npm run docs)", () => {
  const section = /<!-- findings:start -->\n([\s\S]*?)\n<!-- findings:end -->/.exec(readme)?.[1];
  assert.ok(section !== undefined, 'README.md has the findings markers');
  assert.fixture(section!, findingsMarkdown(RULES), 'README.md is out of date: run npm run docs');
  for (const r of RULES) assert.ok(section!.includes(`| \`${r.id}\` |`), `${r.id} is documented`);
});

test('the README starts with the two commands that work on a fresh clone', () => {
  const head = readme.split('\n').slice(0, 12).join('\n');
  assert.match(head, 'npm install && npm start');
  assert.match(head, 'npm install && npm test');
});

test.run();
