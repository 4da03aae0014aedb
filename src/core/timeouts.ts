/** How long a command waits on the network before it gives up, and the rule for the flags that change it. */
import { UsageError } from '../errors.js';

export const TIMEOUTS = {
  /** `git push` (new --push, workshop --push-template): seconds without an answer. */
  push: 120,
  /** Each AWS request of apply and doctor (to connect, then to answer), per attempt: seconds. */
  aws: 30,
  /** The largest value either flag takes. */
  max: 3600,
} as const;

/** An AWS answer larger than this is refused: IAM's largest is a few hundred kilobytes. */
export const MAX_AWS_RESPONSE_BYTES = 8 * 1024 * 1024;

/** A timeout flag's value in seconds, or its default when not given. */
export function timeoutSeconds(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > TIMEOUTS.max)
    throw new UsageError(`--${flag}: must be a whole number of seconds from 1 to ${TIMEOUTS.max}, got ${value}`);
  return Number(value);
}
