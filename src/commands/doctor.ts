/** `pipelines-oidc doctor [dir] [--json] [--profile <p>] [--region <r>]`: the live account against the repository. */
import { resolve } from 'node:path';
import { doctorChecks } from '../core/iam/index.js';
import { UsageError } from '../errors.js';
import { printable } from '../printable.js';
import { bold, dim, green, red } from '../io/style.js';
import { parseCommand } from './args.js';
import { openBitbucket } from './bitbucket-session.js';
import { desiredOf, observe, openArgRepository } from './iam-target.js';

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('doctor', argv);
  if (args.positionals.length > 1) throw new UsageError(`doctor takes one [dir], got ${args.positionals.join(' ')}`);
  const desired = desiredOf(openArgRepository(process.cwd(), args), 'doctor');
  const { aws, observed } = await observe(desired, args.options);
  aws.close();
  const checks = doctorChecks(desired, observed);
  // with Bitbucket credentials, the Bitbucket side is checked too
  const session = openBitbucket(process.cwd(), process.env, args.options.bitbucketToken);
  if (session) {
    const { bitbucketDoctor } = await import('./doctor-bitbucket.js');
    checks.push(...(await bitbucketDoctor(resolve(process.cwd(), args.positionals[0] ?? '.'), desired, session)));
  }
  const ok = checks.every((c) => c.ok);
  if (args.options.json) {
    process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const width = Math.max(...checks.map((c) => c.id.length));
  const lines = checks.flatMap((c) => [
    // details quote what AWS and Bitbucket hold (a live trust policy, a variable's value): made safe to print
    `${c.ok ? green('✓') : red('✗')} ${printable(c.id).padEnd(width)}  ${printable(c.detail)}`,
    ...(c.fix ? [`  ${' '.repeat(width)}  ${dim('fix:')} ${printable(c.fix)}`] : []),
  ]);
  const failed = checks.filter((c) => !c.ok).length;
  process.stdout.write(
    `${bold(`IAM of account ${desired.account}${session ? ' and Bitbucket' : ''} against ${args.positionals[0] ?? '.'}`)}\n${lines.join('\n')}\n\n${ok ? green(`✓ all ${checks.length} checks pass`) : red(`✗ ${failed} of ${checks.length} checks fail`)}\n`,
  );
  return ok ? 0 : 1;
}
