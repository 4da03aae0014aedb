/**
 * The answer `sessionDuration` (--session-duration): its rule and stored form, its default, that it is
 * never asked, that the token file refuses a longer session, and that a manifest or answers file from
 * before it reads as an hour and is written back without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { askAnswers, resolveAnswers } from '../../src/core/answers/resolve.ts';
import { parseManifest } from '../../src/core/repo/manifest.ts';
import { plopPrompts } from '../../src/generator.ts';
import { assertOneLineError } from '../support/cli-helpers.ts';
import { EXAMPLE_ANSWERS_FILE, exampleFlags, renderRepo, tempDir } from '../support/fixtures.ts';
import { runNew } from '../support/cli-helpers.ts';

const EXAMPLE_VALUES = JSON.parse(readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')) as Record<string, string>;
const resolveWith = (flags: Record<string, string>) =>
  resolveAnswers({ flags: { ...EXAMPLE_VALUES, auth: 'assume-role', ...flags }, env: {} });

test('a session is given in seconds, minutes or hours and stored in the largest whole unit', () => {
  const stored = (given: string) => resolveWith({ sessionDuration: given }).sessionDuration;
  assert.is(stored('3600'), '1h');
  assert.is(stored('5400s'), '90m');
  assert.is(stored('90m'), '90m');
  assert.is(stored('120m'), '2h');
  assert.is(stored(' 2h '), '2h');
  assert.is(stored('43200'), '12h');
});

test('a session outside 1h-12h or not in whole minutes is one error naming the flag and the rule', () => {
  for (const bad of ['59m', '3599', '13h', '43260', '3630', '1.5h', '2 hours', '', 'PT2H']) {
    assert.throws(
      () => resolveWith({ sessionDuration: bad }),
      (e: Error) =>
        e.message.startsWith('--session-duration: must be a session from 1h to 12h in whole minutes') &&
        !e.message.includes('\n'),
      bad,
    );
  }
});

test('without the answer the session is an hour: an answers file or manifest from before it still resolves', () => {
  assert.not.ok('sessionDuration' in EXAMPLE_VALUES, 'the example answers file predates the answer');
  assert.is(resolveAnswers({ flags: EXAMPLE_VALUES, env: {} }).sessionDuration, '1h');
  const old = {
    tool: 'pipelines-oidc',
    version: '0.1.0',
    answers: { ...resolveAnswers({ flags: EXAMPLE_VALUES, env: {} }), sessionDuration: undefined },
    files: {},
  };
  assert.is(parseManifest(JSON.stringify(old), '.pipelines-oidc.json').answers.sessionDuration, '1h');
});

test('the token file cannot take a session over an hour: refused, saying why and naming --auth assume-role', () => {
  assert.throws(
    () => resolveWith({ auth: 'token-file', sessionDuration: '2h' }),
    (e: Error) =>
      e.message ===
      '--session-duration: 2h needs --auth assume-role: with --auth token-file the AWS SDK asks STS for no duration, so every session lasts an hour whatever the role allows',
  );
  assert.is(resolveWith({ auth: 'token-file', sessionDuration: '60m' }).sessionDuration, '1h');
  assert.is(resolveWith({ auth: 'assume-role', sessionDuration: '2h' }).sessionDuration, '2h');
});

test('never asked, in our prompts or plop’s: the flag or the answers file, else the default', async () => {
  const asked: string[] = [];
  const ask = async (q: { name: string }, suggested: string | undefined) => {
    asked.push(q.name);
    return suggested ?? EXAMPLE_VALUES[q.name] ?? '';
  };
  const { name: _name, ...rest } = EXAMPLE_VALUES;
  const flags = { name: EXAMPLE_VALUES['name']!, auth: 'assume-role' };
  assert.is((await askAnswers({ flags, file: { path: 'a.json', values: rest }, env: {} }, ask)).sessionDuration, '1h');
  assert.not.ok(asked.includes('sessionDuration'), `asked: ${asked.join(', ')}`);
  const given = await askAnswers(
    { flags: { ...flags, sessionDuration: '3h' }, file: { path: 'a.json', values: rest }, env: {} },
    ask,
  );
  assert.is(given.sessionDuration, '3h');
  assert.not.ok(
    plopPrompts().some((p) => p.name === 'sessionDuration'),
    'plop asks the same questions as before',
  );
});

test('the manifest records the session only when it is not the default, and reads back what it recorded', () => {
  const manifestOf = (files: Map<string, string>) =>
    JSON.parse(files.get('.pipelines-oidc.json')!) as { answers: Record<string, unknown> };
  const byDefault = renderRepo(resolveWith({}));
  assert.not.ok('sessionDuration' in manifestOf(byDefault.files).answers);
  const longer = renderRepo(resolveWith({ sessionDuration: '150m' }));
  assert.is(manifestOf(longer.files).answers['sessionDuration'], '150m');
  assert.is(parseManifest(longer.files.get('.pipelines-oidc.json')!, 'm').answers.sessionDuration, '150m');
});

test('new --session-duration: a bad value and the token file are one line each, exit 2, nothing written', () => {
  const parent = tempDir();
  try {
    const dir = join(parent.path, 'repo');
    const run = (extra: string[]) =>
      runNew([...exampleFlags({ auth: undefined }), ...extra, '--yes', '--dir', dir], parent.path);
    assertOneLineError(run(['--auth', 'assume-role', '--session-duration', '13h']), 2, [
      '--session-duration',
      'from 1h to 12h',
      '13h',
    ]);
    assertOneLineError(run(['--session-duration', '2h']), 2, ['--session-duration', '--auth assume-role']);
    assert.throws(() => readFileSync(join(dir, '.pipelines-oidc.json')), undefined, 'nothing written');
  } finally {
    parent.cleanup();
  }
});

test.run();
