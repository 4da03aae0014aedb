#!/usr/bin/env node
/**
 * The command table and the one exit point: every command is loaded only when it runs, and every
 * CliError becomes a one-line message and its exit code here.
 */
import { CliError, UsageError } from './errors.js';

const HELP = `pipelines-oidc: Bitbucket Pipelines → AWS with OpenID Connect, no access keys

Usage
  pipelines-oidc new <name> --workspace <slug> --workspace-uuid <uuid> --account <12 digits> --region <region>
      [--repo-uuid <uuid>] [--role-name <name>] [--iac terraform|cloudformation|both|none]
      [--auth token-file|assume-role] [--target <id>[,<id>…]] [--environment <name>[=<uuid>]]…
      [--<target answer> <value>]… [--gallery <dir>] [--answers <file.json>] [--dir <path>]
      [--no-git] [--push <remote-url>] [--dry-run] [--force] [-y|--yes] [--json]
      [--bitbucket [--project <key>] [--apply] [--run]] [--bitbucket-token @<file>]
  pipelines-oidc add <target> [--dir <repo>] [--<target answer> <value>]… [--diff] [--dry-run] [--force] [--json]
  pipelines-oidc update [--dir <repo>] [--<answer> <value>]… [--diff] [--dry-run] [--force] [--json]
      [--bitbucket-token @<file>]
  pipelines-oidc gallery [--gallery <dir>] [--json]
  pipelines-oidc check [dir] [--json] [--schema <file>] [--token <jwt|@file>]
  pipelines-oidc apply [dir] [--profile <p>] [--region <r>] [--thumbprint <sha1>] [--dry-run] [-y|--yes]
  pipelines-oidc doctor [dir] [--profile <p>] [--region <r>] [--json] [--bitbucket-token @<file>]
  pipelines-oidc run [dir] [--pipeline custom:<name>] [--branch <b>] [--follow] [--bitbucket-token @<file>]
  pipelines-oidc workshop --roster <attendees.csv> --out <dir> [--exercise <id>[,<id>…]]
      [answers as for new, --role-name being the prefix of every role name]
      [--push-template <url with {repo}>] [--concurrency <1-32>] [--dry-run] [--force] [-y|--yes] [--json]
  pipelines-oidc workshop --list-exercises
  pipelines-oidc workshop grade <dir> [--json] [--schema <file>]

Commands
  new       write a starter repository: pipeline, IAM policies, Terraform/CloudFormation, README
  add       add a deploy target to a generated repository
  update    re-render a generated repository with changed answers, keeping hand edits
  gallery   list the deploy targets and the questions each asks
  check     verify a repository offline (pipeline, trust and inline policies, IaC) and explain a token
  apply     create or update the OIDC provider and roles in AWS (plans first, never deletes)
  doctor    compare the live AWS account (and Bitbucket, with a token) with the repository, with the fix for each difference
  run       run the repository's check pipeline in Bitbucket and explain a refused token
  workshop  a repository per attendee of a roster (optionally an exercise), the IaC of all their roles,
            and pushes; grade checks which exercises are fixed

Options
  -h, --help       this help
  -v, --version    the version
      --verbose    show the stack of unexpected errors
`;

const COMMANDS: Record<string, () => Promise<{ run: (argv: string[]) => Promise<number> }>> = {
  new: () => import('./commands/new-cli.js'),
  add: () => import('./commands/update-cli.js').then((m) => ({ run: m.runAdd })),
  update: () => import('./commands/update-cli.js'),
  gallery: () => import('./commands/gallery.js'),
  check: () => import('./commands/check.js'),
  apply: () => import('./commands/apply.js'),
  doctor: () => import('./commands/doctor.js'),
  run: () => import('./commands/run.js'),
  workshop: () => import('./commands/workshop.js'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-v' || name === '--version') {
    const { toolVersion } = await import('./paths.js');
    process.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load)
    throw new UsageError(
      `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see pipelines-oidc --help)`,
    );
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(HELP);
    return 0;
  }
  return (await load()).run(rest.filter((a) => a !== '--verbose'));
}

// `… | head` closes the pipe early: that is not an error of ours
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const verbose = process.argv.includes('--verbose');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      process.stderr.write(`pipelines-oidc: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else {
      process.stderr.write(
        `pipelines-oidc: unexpected error: ${verbose ? (error as Error).stack : (error as Error).message}\n`,
      );
      process.exitCode = 1;
    }
  },
);
