/**
 * `.pipelines-oidc.json` read by the core: the committed example as written, early manifests migrated,
 * and every field it cannot read named in one line (a UsageError: exit 2).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { manifestModel, parseManifest, type Manifest } from '../../src/core/repo/manifest.ts';
import { buildRepoModel } from '../../src/core/repo/model.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { UsageError } from '../../src/errors.ts';
import { EXAMPLE, ROOT } from '../support/fixtures.ts';

const SOURCE = 'repo/.pipelines-oidc.json';
const TEXT = readFileSync(join(ROOT, 'examples/phub-oidc-check/.pipelines-oidc.json'), 'utf8');
const example = () =>
  JSON.parse(TEXT) as Record<string, unknown> & { answers: Record<string, unknown>; files: Record<string, string> };
const parse = (value: unknown) => parseManifest(JSON.stringify(value), SOURCE);

/** The UsageError `read` throws: its message. */
function refused(read: () => unknown): string {
  try {
    read();
  } catch (e) {
    assert.instance(e, UsageError);
    return (e as Error).message;
  }
  return assert.unreachable('expected a UsageError') as never;
}

test('the committed example reads as it is written, and gives the model of its answers', () => {
  const manifest = parseManifest(TEXT, SOURCE);
  const written = JSON.parse(TEXT) as Manifest;
  assert.not.ok('sessionDuration' in written.answers, 'a session at its default is not recorded');
  assert.equal(manifest, { ...written, answers: { ...written.answers, sessionDuration: '1h' } });
  assert.equal(manifestModel(manifest, SOURCE, BUILT_IN_TARGETS), buildRepoModel(EXAMPLE));
});

test('an early manifest is migrated: no environments, no target answers, files listed without hashes', () => {
  const early = example();
  delete early.answers['environments'];
  delete early.answers['targetAnswers'];
  const manifest = parse({ ...early, files: Object.keys(early.files) });
  assert.is(manifest.answers.environments, '');
  assert.equal(manifest.answers.targetAnswers, {});
  assert.equal(manifest.files, Object.fromEntries(Object.keys(early.files).map((f) => [f, null])));
  assert.equal(
    manifestModel(manifest, SOURCE, BUILT_IN_TARGETS),
    buildRepoModel(EXAMPLE),
    'the same repository as before',
  );
});

test('each field it cannot read is named in one line', () => {
  const m = example();
  const cases: Array<[unknown, string]> = [
    [null, `${SOURCE}: must be a JSON object (a pipelines-oidc manifest)`],
    [{ ...m, tool: 'copier' }, `${SOURCE}: "tool" must be "pipelines-oidc"`],
    [{ ...m, version: 1 }, `${SOURCE}: "version" must be a string (the version that wrote it)`],
    [{ ...m, gallery: 42 }, `${SOURCE}: "gallery" must be a string (a folder path)`],
    [{ ...m, gallery: '' }, `${SOURCE}: "gallery" must be a string (a folder path)`],
    [{ ...m, files: 'x' }, `${SOURCE}: "files" must be an object of file path → SHA-256`],
    [
      { ...m, files: { 'README.md': 'abc' } },
      `${SOURCE}: "files.README.md" must be a SHA-256 (64 hexadecimal characters)`,
    ],
    [{ ...m, answers: [] }, `${SOURCE}: "answers" must be an object of answers`],
    [{ ...m, answers: { ...m.answers, region: 1 } }, `${SOURCE}: "answers.region" must be a string`],
    [{ ...m, answers: { ...m.answers, colour: 'blue' } }, `${SOURCE}: "answers.colour" is not an answer`],
    [
      { ...m, answers: { ...m.answers, targetAnswers: { bucket: 1 } } },
      `${SOURCE}: "answers.targetAnswers.bucket" must be a string`,
    ],
  ];
  for (const [value, message] of cases)
    assert.ok(refused(() => parse(value)).startsWith(message), `${JSON.stringify(value)?.slice(0, 80)} → ${message}`);
  const { account: _, ...withoutAccount } = m.answers;
  assert.is(
    refused(() => parse({ ...m, answers: withoutAccount })),
    `${SOURCE}: "answers.account" is missing`,
  );
  assert.match(
    refused(() => parseManifest('{"tool": ', SOURCE)),
    new RegExp(`^${SOURCE}: not valid JSON \\(`),
  );
});

test('an answer its rule refuses names the answer and the manifest, not an --answers file never given', () => {
  const manifest = parse({ ...example(), answers: { ...example().answers, region: 'mars-1' } });
  const message = refused(() => manifestModel(manifest, SOURCE, BUILT_IN_TARGETS));
  assert.ok(message.startsWith(`--region (from ${SOURCE}):`), message);
  assert.not.match(message, /--answers/);
});

test.run();
