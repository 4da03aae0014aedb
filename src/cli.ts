#!/usr/bin/env node
/**
 * The command table and the one exit point: every command is loaded only when it runs, and every
 * CliError becomes a one-line message and its exit code here.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, UsageError } from './errors.js';

const HELP = `pipelines-oidc: Bitbucket Pipelines → AWS with OpenID Connect, no access keys

Usage
  pipelines-oidc new <name> --workspace <slug> --workspace-uuid <uuid> --account <12 digits> --region <region>
      [--repo-uuid <uuid>] [--role-name <name>] [--iac terraform|cloudformation|both|none]
      [--auth token-file|assume-role] [--target <id>] [--answers <file.json>] [--dir <path>]
      [--no-git] [--push <remote-url>] [--dry-run] [--force] [-y|--yes] [--json]

Commands
  new       write a starter repository: pipeline, IAM policies, Terraform/CloudFormation, README

Options
  -h, --help       this help (also: pipelines-oidc new --help)
  -v, --version    the version
      --verbose    show the stack of unexpected errors
`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMANDS: Record<string, { options: Options; run: (args: ReturnType<typeof parseArgs>) => Promise<number> }> = {
  new: {
    options: {
      workspace: { type: 'string' },
      'workspace-uuid': { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
      'repo-uuid': { type: 'string' },
      'role-name': { type: 'string' },
      iac: { type: 'string' },
      auth: { type: 'string' },
      target: { type: 'string' },
      answers: { type: 'string' },
      dir: { type: 'string' },
      'no-git': { type: 'boolean' },
      push: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      json: { type: 'boolean' },
    },
    run: async (args) => (await import('./commands/new-cli.js')).newFromArgs(args),
  },
};

const GLOBAL: Options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  verbose: { type: 'boolean' },
};

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  const command = name && !name.startsWith('-') ? COMMANDS[name] : undefined;
  if (name && !name.startsWith('-') && !command) throw new UsageError(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs({ args: command ? argv.slice(1) : argv, options: { ...GLOBAL, ...command?.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message.split('\n')[0]?.replace(/^Unknown option '([^']*)'.*$/, 'unknown option $1')} (see pipelines-oidc --help)`);
  }
  if (args.values['version']) {
    const { toolVersion } = await import('./paths.js');
    process.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  if (!command || args.values['help']) {
    process.stdout.write(HELP);
    return command || args.values['help'] ? 0 : 2;
  }
  return command.run(args);
}

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
      process.stderr.write(`pipelines-oidc: unexpected error: ${verbose ? (error as Error).stack : (error as Error).message}\n`);
      process.exitCode = 1;
    }
  },
);
