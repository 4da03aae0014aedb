/** How long a command waits on the network before it gives up, and the rule for the flags that change it. */
import { UsageError } from '../../errors.js';

export const TIMEOUTS = {
  /** `git push` (new --push, workshop --push-template): seconds without an answer. */
  push: 120,
  /** Each AWS request of apply and doctor (to connect, then to answer), per attempt: seconds. */
  aws: 30,
  /** The largest value either flag takes. */
  max: 3600,
  /** `run --follow`: how long it waits for the pipeline's end (a pipeline paused on a manual step never ends). */
  follow: 3600,
  /** The largest --follow-timeout: a day. */
  maxFollow: 86_400,
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

/** A Bitbucket answer larger than this is refused: its largest (a page of 100 repositories, a step's log) is far less. */
export const MAX_BITBUCKET_RESPONSE_BYTES = 8 * 1024 * 1024;

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600 };

/** A duration as typed (`90`, `90s`, `30m`, `2h`) in seconds, or undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+)([smh]?)$/.exec(value.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : undefined;
}

/** Seconds in the largest unit that writes them whole (`2h`, `90m`, `45s`): how a duration is stored. */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** A duration flag's value (`90`, `90s`, `30m`, `2h`) in seconds, or its default when not given. */
export function durationSeconds(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const seconds = parseDuration(value) ?? NaN;
  if (!(seconds >= 1 && seconds <= max))
    throw new UsageError(`--${flag}: must be a duration from 1s to ${max / 3600}h (e.g. 90s, 30m, 2h), got ${value}`);
  return seconds;
}
