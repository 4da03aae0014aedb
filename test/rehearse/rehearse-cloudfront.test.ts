/**
 * `aws cloudfront wait invalidation-completed` in a rehearsal meets an invalidation that is InProgress first
 * and Completed after, as on AWS: the waiter's polling is exercised, not skipped by a Completed at once.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generatedRepository } from '../support/cli-helpers.ts';
import { CLI } from '../support/fixtures.ts';
import { hasTool } from '../support/tools.ts';

test('the invalidation waiter polls an InProgress invalidation until it is Completed', () => {
  if (!hasTool('moto_server', "pip install 'moto[server]'")) return;
  const dir = generatedRepository('site', [
    ...['--target', 's3-static-site', '--site-bucket', 'www.example.com'],
    ...['--distribution-id', 'E2QWRUHAPOMQZL'],
  ]);
  const r = spawnSync(process.execPath, [CLI, 'rehearse', dir, '--json', '--runs', '1'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } as NodeJS.ProcessEnv,
  });
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    runs: Array<{ steps: Array<{ calls: Array<{ action: string }> }> }>;
  };
  assert.ok(report.ok, r.stdout.slice(-2000) + r.stderr);
  const polls = report.runs[0]!.steps.flatMap((s) => s.calls).filter((c) => c.action === 'cloudfront:GetInvalidation');
  assert.ok(polls.length >= 2, `the waiter read the invalidation ${polls.length} time(s)`);
});

test.run();
