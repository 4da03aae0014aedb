/**
 * The IAM actions an AWS CLI command calls, as each service's module in core/aws lists them. Each entry is
 * proven by a rehearsal: the rehearse test runs every gallery step and compares what the CLI really called
 * with this table.
 */
import { AWS_SERVICES, cliPermissions, type CliPermission } from '../aws/index.js';

/** Every service's rows, in one table. */
export const CLI_PERMISSIONS: readonly CliPermission[] = AWS_SERVICES.flatMap(cliPermissions);

/** `aws <service> <command> [<waiter>]` wherever it stands in a line (also inside `$(…)`), with the rest of its words. */
const AWS_CALL = /(?:^|[\s;|&(`])aws\s+([a-z0-9-]+)\s+([a-z0-9-]+)(?:\s+([a-z0-9-]+))?([^;|&)`]*)/g;

/** The table's entries a script line runs, with the actions each needs given its flags. */
export function cliPermissionsOf(line: string): Array<{ command: string; actions: string[] }> {
  return [...line.matchAll(AWS_CALL)].flatMap((m) => {
    const [, service, command, third = '', rest = ''] = m as unknown as string[];
    const entry =
      CLI_PERMISSIONS.find((e) => e.command === `${service} ${command} ${third}`) ??
      CLI_PERMISSIONS.find((e) => e.command === `${service} ${command}`);
    if (!entry) return [];
    const words = `${third} ${rest}`.split(/\s+/);
    const extra = Object.entries(entry.withFlag ?? {}).flatMap(([flag, actions]) =>
      words.some((w) => w === flag || w.startsWith(`${flag}=`)) ? actions : [],
    );
    return [{ command: `aws ${entry.command}`, actions: [...entry.actions, ...extra] }];
  });
}
