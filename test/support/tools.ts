/** External tools some suites need: outside CI a missing one is named and its tests skipped; under CI=true it fails. */
import { spawnSync } from 'node:child_process';
import * as assert from 'uvu/assert';

const found = new Map<string, boolean>();

/** Whether `name` runs here; under CI=true a missing tool fails the calling test, naming how to install it. */
export function hasTool(name: string, install: string): boolean {
  if (!found.has(name))
    found.set(name, spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0);
  if (found.get(name)) return true;
  if (process.env['CI'] === 'true') assert.unreachable(`${name} is not installed (${install}): CI must run this test`);
  process.stdout.write(`\n  skipped: ${name} is not installed (${install})\n`);
  return false;
}
