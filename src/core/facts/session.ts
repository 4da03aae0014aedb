/**
 * How long a step's AWS credentials last, and how long Bitbucket lets a step run. A role session lasts what
 * the caller asks for (`DurationSeconds`, else STS's default of an hour), at most the role's
 * `MaxSessionDuration`; a step's `max-time` is its own, else the file's `options.max-time`, else Bitbucket's.
 */

/** STS's session when the call names none, and a role's MaxSessionDuration unless set: seconds. */
export const AWS_DEFAULT_SESSION = 3600;
/** The longest MaxSessionDuration IAM takes: seconds. */
export const MAX_ROLE_SESSION = 43_200;

/**
 * The session a step gets from the token file: the SDKs' web-identity provider (botocore's
 * AssumeRoleWithWebIdentityProvider, the CLI's) sends no DurationSeconds, and refreshes by reading the
 * token file again, whose Bitbucket token itself lives about an hour. Seconds.
 */
export const TOKEN_FILE_SESSION = AWS_DEFAULT_SESSION;

/** Bitbucket's `max-time` of a step that names none (and no `options.max-time`), and the largest it takes: minutes. */
export const BITBUCKET_STEP_MAX_TIME = { default: 120, max: 720 } as const;

/** The `max-time` that ends a step when its session does: whole minutes of the session. */
export const stepMaxTime = (sessionSeconds: number) => Math.floor(sessionSeconds / 60);

/** A session as people say it: `an hour`, `2 hours`, `90 minutes`. */
export function sessionText(seconds: number): string {
  if (seconds === 3600) return 'an hour';
  if (seconds % 3600 === 0) return `${seconds / 3600} hours`;
  return seconds % 60 === 0 ? `${seconds / 60} minutes` : `${seconds} seconds`;
}
