/**
 * UUIDs the user may give as flags and Bitbucket also knows: the flag wins, but a flag that names
 * another workspace or repository than Bitbucket's is bad input, caught before anything is written.
 */
import { UsageError } from '../../errors.js';
import { uuid as uuidRule } from '../answers/index.js';

/** A UUID as we store it: lowercase, no braces (the API sends braces). */
export function bare(uuid: string): string {
  const r = uuidRule(uuid);
  if ('error' in r) throw new UsageError(`Bitbucket sent "${uuid}" where a UUID belongs`);
  return r.value;
}

/** The flag's value when given (after checking it against Bitbucket's), else Bitbucket's, else undefined. */
export function reconcile(
  flag: string,
  given: string | undefined,
  fromApi: string | undefined,
  what: string,
): string | undefined {
  if (!given) return fromApi && bare(fromApi);
  if (fromApi === undefined) return given;
  const r = uuidRule(given);
  const mine = 'value' in r ? r.value : given;
  if (mine !== bare(fromApi))
    throw new UsageError(
      `--${flag} ${given} differs from the UUID Bitbucket gives ${what} ({${bare(fromApi)}}): drop the flag, or check --workspace and the name`,
    );
  return mine;
}

/** `name=uuid,…` with the UUIDs Bitbucket knows filled in where the answer names only the environment. */
export function environmentsWithUuids(answer: string, known: ReadonlyArray<{ name: string; uuid: string }>): string {
  if (!answer.trim()) return answer;
  return answer
    .split(',')
    .map((item) => {
      const [name, given] = item.trim().split('=');
      const live = known.find((e) => e.name.toLowerCase() === name!.toLowerCase());
      const uuid = reconcile('environment', given, live?.uuid, `environment ${name}`);
      return uuid ? `${name}=${uuid}` : name!;
    })
    .join(',');
}
