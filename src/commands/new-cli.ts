/** Flags of `new` → NewOptions, and the result printed as text or JSON. */
import type { parseArgs } from 'node:util';
import { QUESTIONS, type AnswerName } from '../core/answers.js';
import { UsageError } from '../errors.js';
import { runNew } from './new.js';

export async function newFromArgs(args: ReturnType<typeof parseArgs>): Promise<number> {
  const v = args.values as Record<string, string | boolean | undefined>;
  if (args.positionals.length > 1) throw new UsageError(`new takes one <name>, got ${args.positionals.length}: ${args.positionals.join(' ')}`);
  const flags: Partial<Record<AnswerName, string>> = {};
  for (const q of QUESTIONS) {
    const value = q.name === 'name' ? args.positionals[0] : v[q.flag];
    if (typeof value === 'string') flags[q.name] = value;
  }
  const json = Boolean(v['json']);
  const result = await runNew({
    cwd: process.cwd(),
    env: process.env,
    flags,
    answersFile: v['answers'] as string | undefined,
    dir: v['dir'] as string | undefined,
    git: !v['no-git'],
    push: v['push'] as string | undefined,
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v['force']),
    interactive: !v['yes'] && !json && Boolean(process.stdin.isTTY && process.stdout.isTTY),
    json,
    out: (text) => process.stdout.write(text),
  });
  if (json) {
    const { dir, files, roleArn, next } = result;
    process.stdout.write(`${JSON.stringify({ dir, files, roleArn, next }, null, 2)}\n`);
  }
  return 0;
}
