/**
 * `why`: the real `AssumeRoleWithWebIdentity` attempts CloudTrail recorded, each judged against the
 * repository's trust policy files by check's token explanation. A CloudTrail record is the account's,
 * but what it quotes (the subject, the audience) came from whoever presented a token: every record is
 * read as hostile input, its size and shape checked, and one that fails is reported, never trusted.
 */
import { explainToken, type Provider } from '../check/index.js';
import { providerUrl, readProviderArn, subParts } from '../facts/index.js';
import { isObject, tooDeep } from '../util/index.js';

/** The one event `why` looks up. */
export const WEB_IDENTITY_EVENT = 'AssumeRoleWithWebIdentity';
/** The permission the lookup needs; it has no resource-level form, so its resource is `*`. */
export const LOOKUP_ACTION = 'cloudtrail:LookupEvents';

/** How much of the event history is read: LookupEvents answers at most 50 events a page. */
export const LOOKUP_LIMITS = {
  pageSize: 50,
  /** Pages read at most (1,000 events); a narrower --since reads the rest. */
  maxPages: 20,
  /** LookupEvents is limited to two calls a second per account and region. */
  pageIntervalMs: 500,
  /** A record larger than CloudTrail's own event limit (256 KB) is not one it wrote. */
  maxRecordChars: 256 * 1024,
  /** The event history keeps 90 days. */
  maxWindowSeconds: 90 * 86_400,
  defaultWindowSeconds: 86_400,
} as const;

/** An event of the LookupEvents answer, as the SDK hands it over: every field may be missing or odd. */
export interface LookedUpEvent {
  EventId?: unknown;
  EventTime?: unknown;
  CloudTrailEvent?: unknown;
}

/** A role of the repository: its ARN, its trust policy file as read (undefined: missing or not JSON). */
export interface RoleFile {
  arn: string;
  name: string;
  /** The deployment environment the role is for, if any. */
  environment?: string;
  file: string;
  trustPolicy: unknown;
  /** Why the file could not be judged, when trustPolicy is undefined. */
  problem?: string;
}

export interface Attempt {
  eventId: string;
  /** ISO 8601, as CloudTrail recorded it. */
  time: string;
  role: string;
  /** The deployment environment the role is for, if any. */
  roleEnvironment?: string;
  /** STS accepted the token (no errorCode in the record). */
  accepted: boolean;
  errorCode?: string;
  errorMessage?: string;
  /** The presented `sub` (`userIdentity.userName`). */
  sub?: string;
  /** The presented audience, read from `principalId` (provider ARN `:` audience `:` subject). */
  aud?: string;
  /** The identity provider's ARN STS matched the token's issuer with. */
  provider?: string;
  /** The deployment environment the presented `sub` names, by its name in the repository's answers. */
  subEnvironment?: string;
  /** What the repository's files say of these claims: empty when they accept them. */
  reasons: string[];
  /** One line on what the verdict means for this attempt. */
  verdict: string;
}

export interface UnreadableEvent {
  eventId: string;
  problem: string;
}

export interface AttemptsReport {
  attempts: Attempt[];
  unreadable: UnreadableEvent[];
  /** Readable attempts on roles that are not the repository's. */
  otherRoles: number;
}

/** The parts of a record `why` reads, each checked for its type. */
interface WebIdentityRecord {
  time: string;
  roleArn: string;
  errorCode?: string;
  errorMessage?: string;
  userName?: string;
  principalId?: string;
  identityProvider?: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const NO_EVENT_ID = '(no event id)';
/** A short identifier to name an event by; anything else is not trusted to be one. */
const eventIdOf = (e: LookedUpEvent): string => {
  const id = text(e.EventId);
  return id && /^[\w-]{1,128}$/.test(id) ? id : NO_EVENT_ID;
};

/** The record's fields `why` reads, or what is wrong with it. */
export function readRecord(e: LookedUpEvent): WebIdentityRecord | { problem: string } {
  const raw = e.CloudTrailEvent;
  if (typeof raw !== 'string') return { problem: 'the event has no CloudTrailEvent text' };
  if (raw.length > LOOKUP_LIMITS.maxRecordChars)
    return {
      problem: `its record is ${raw.length} characters, more than CloudTrail's ${LOOKUP_LIMITS.maxRecordChars / 1024} KB limit for an event: not read`,
    };
  const deep = tooDeep(raw);
  if (deep) return { problem: `its record is ${deep}: not read` };
  let record: unknown;
  try {
    record = JSON.parse(raw);
  } catch {
    return { problem: 'its record is not JSON' };
  }
  if (!isObject(record)) return { problem: 'its record is JSON but not an object' };
  const identity = isObject(record['userIdentity']) ? record['userIdentity'] : {};
  const request = isObject(record['requestParameters']) ? record['requestParameters'] : {};
  const roleArn = text(request['roleArn']);
  if (!roleArn) return { problem: 'its record names no requestParameters.roleArn' };
  const time = text(record['eventTime']) ?? (e.EventTime instanceof Date ? e.EventTime.toISOString() : undefined);
  if (!time || Number.isNaN(Date.parse(time))) return { problem: 'its record has no eventTime' };
  const optional = (name: string, v: unknown) => (typeof v === 'string' ? { [name]: v } : {});
  return {
    time,
    roleArn,
    ...optional('errorCode', record['errorCode']),
    ...optional('errorMessage', record['errorMessage']),
    ...optional('userName', identity['userName']),
    ...optional('principalId', identity['principalId']),
    ...optional('identityProvider', identity['identityProvider']),
  };
}

/**
 * The audience in `principalId`: the provider's ARN, `:`, the audience, `:`, the subject. The audience
 * and the subject hold colons themselves, so it is what lies between the known ends.
 */
export function audienceOf(principalId: string, provider: string, sub: string): string | undefined {
  const head = `${provider}:`;
  const tail = `:${sub}`;
  if (!principalId.startsWith(head) || !principalId.endsWith(tail)) return undefined;
  const aud = principalId.slice(head.length, principalId.length - tail.length);
  return aud === '' ? undefined : aud;
}

const unbraced = (s: string) => s.replace(/[{}]/g, '').toLowerCase();

/**
 * Each readable attempt on one of `roles`, judged as `check --token` judges a token with the same
 * claims against the same files; `provider` is the repository's, from its answers.
 */
export function explainAttempts(
  events: LookedUpEvent[],
  roles: RoleFile[],
  provider: Provider,
  environments: Array<{ name: string; uuid: string }>,
): AttemptsReport {
  const report: AttemptsReport = { attempts: [], unreadable: [], otherRoles: 0 };
  const seen = new Set<string>();
  for (const event of events) {
    const eventId = eventIdOf(event);
    // an event listed twice (a page answered again) is one attempt
    if (seen.has(eventId)) continue;
    if (eventId !== NO_EVENT_ID) seen.add(eventId);
    const record = readRecord(event);
    if ('problem' in record) {
      report.unreadable.push({ eventId, problem: record.problem });
      continue;
    }
    const role = roles.find((r) => r.arn === record.roleArn);
    if (!role) {
      report.otherRoles++;
      continue;
    }
    report.attempts.push(judge(eventId, record, role, provider, environments));
  }
  return report;
}

function judge(
  eventId: string,
  record: WebIdentityRecord,
  role: RoleFile,
  provider: Provider,
  environments: Array<{ name: string; uuid: string }>,
): Attempt {
  const accepted = record.errorCode === undefined;
  const sub = record.userName;
  const aud =
    record.principalId && record.identityProvider && sub
      ? audienceOf(record.principalId, record.identityProvider, sub)
      : undefined;
  const issuer = record.identityProvider && readProviderArn(record.identityProvider);
  const subEnvironment = sub && subParts(sub).environment;
  const named = subEnvironment && environments.find((e) => e.uuid && unbraced(e.uuid) === unbraced(subEnvironment));
  const base: Attempt = {
    eventId,
    time: record.time,
    role: role.name,
    ...(role.environment ? { roleEnvironment: role.environment } : {}),
    accepted,
    ...(record.errorCode !== undefined ? { errorCode: record.errorCode } : {}),
    ...(record.errorMessage !== undefined ? { errorMessage: record.errorMessage } : {}),
    ...(sub !== undefined ? { sub } : {}),
    ...(aud !== undefined ? { aud } : {}),
    ...(record.identityProvider !== undefined ? { provider: record.identityProvider } : {}),
    ...(named ? { subEnvironment: named.name } : {}),
    reasons: [],
    verdict: '',
  };
  if (role.trustPolicy === undefined)
    return { ...base, verdict: `not judged: ${role.file} ${role.problem ?? 'could not be read'}` };
  if (!sub || !aud || !issuer) {
    const missing = [!sub && 'subject', !aud && 'audience', !issuer && 'identity provider'].filter(Boolean);
    return { ...base, verdict: `not judged: the record does not show the token's ${missing.join(', ')}` };
  }
  const claims = { iss: providerUrl(issuer.hostPath), aud, sub };
  // the record's time is when STS judged the token: it was not expired then, or STS would have said so
  const verdict = explainToken(
    claims,
    [{ name: role.name, trustPolicy: role.trustPolicy, file: role.file }],
    provider,
    new Date(record.time),
  );
  const reasons = verdict.roles[0]?.reasons ?? [];
  return { ...base, reasons, verdict: verdictLine(accepted, reasons.length === 0, record.errorCode) };
}

function verdictLine(accepted: boolean, filesAccept: boolean, errorCode: string | undefined): string {
  if (accepted && filesAccept) return "accepted, and the repository's files accept these claims too";
  if (accepted)
    return "accepted by STS, yet the repository's files refuse these claims: the role's trust policy in AWS differs from its file (pipelines-oidc doctor shows how)";
  if (!filesAccept) return `refused (${errorCode}): the repository's files refuse these claims too, because:`;
  return `refused (${errorCode}), yet the repository's files accept these claims: the cause is in the account — the role's trust policy in AWS differs from its file, or the provider is missing or lacks the audience (pipelines-oidc doctor checks both)`;
}
