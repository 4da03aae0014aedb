/** `pipelines-oidc doctor [dir] [--json] [--profile <p>] [--region <r>]`: the live account against the repository. */
import { resolve } from 'node:path';
import { doctorChecks, type DesiredState, type DoctorCheck } from '../core/iam/index.js';
import { CliError, UsageError } from '../errors.js';
import { printable } from '../printable.js';
import { bold, dim, green, red } from '../io/style.js';
import { parseCommand } from './args.js';
import { openBitbucket } from './bitbucket-session.js';
import { desiredOf, observe, openArgRepository, type AwsOptions } from './iam-target.js';

/** The account's checks; without a Bitbucket side to check too, an account that cannot be read ends the command. */
async function awsChecks(desired: DesiredState, options: AwsOptions, more: boolean): Promise<DoctorCheck[]> {
  try {
    const { aws, observed } = await observe(desired, options);
    aws.close();
    return doctorChecks(desired, observed);
  } catch (e) {
    if (!more || !(e instanceof CliError)) throw e;
    return [
      {
        id: 'credentials.account',
        ok: false,
        detail: `the account was not read: ${e.message}`,
        fix: `use credentials of account ${desired.account} (--profile, or AWS_PROFILE), then run doctor again`,
      },
    ];
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('doctor', argv);
  if (args.positionals.length > 1) throw new UsageError(`doctor takes one [dir], got ${args.positionals.join(' ')}`);
  const desired = desiredOf(openArgRepository(process.cwd(), args), 'doctor');
  // with Bitbucket credentials, the Bitbucket side is checked too, even when AWS cannot be read
  const session = openBitbucket(process.cwd(), process.env, args.options.bitbucketToken);
  const checks = await awsChecks(desired, args.options, Boolean(session));
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
