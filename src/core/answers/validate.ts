/**
 * Input rules. Each rule takes raw text and returns the normalised value, or a string that says what
 * is wrong (the caller adds the flag name). Pure: no I/O, usable by prompts, flags and answer files alike.
 */
import { AWS_DEFAULT_SESSION, MAX_ROLE_SESSION, readUuid, PATTERN, workspaceOfAudience } from '../facts/index.js';
import { didYouMean, formatDuration, parseDuration } from '../util/index.js';

export type Rule = (raw: string) => { value: string } | { error: string };

const ok = (value: string) => ({ value });
const bad = (error: string) => ({ error });

const test = (pattern: string, s: string) => new RegExp(pattern).test(s);

/** Bitbucket repository slug: lowercase letters, digits, `-`, `_`, `.`; starts with a letter or digit. */
export const repoSlug: Rule = (raw) =>
  test(PATTERN.repoSlug, raw)
    ? ok(raw)
    : bad(
        'must be a Bitbucket repository slug: 1-62 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit',
      );

/** The workspace of a pasted Bitbucket address (`https://bitbucket.org/<workspace>/…`), else the text itself. */
const workspaceOfUrl = (raw: string) =>
  /^(?:https?:\/\/)?(?:www\.)?bitbucket\.org\/([^/?#\s]+)(?:[/?#].*)?$/i.exec(raw.trim())?.[1] ?? raw.trim();

/**
 * Bitbucket workspace slug (the ID in bitbucket.org/<workspace>/), not the display name. The address of
 * the workspace or of one of its repositories, as copied from the browser, is understood too.
 */
export const workspaceSlug: Rule = (raw) =>
  test(PATTERN.workspace, workspaceOfUrl(raw))
    ? ok(workspaceOfUrl(raw))
    : bad(
        'must be a Bitbucket workspace slug: 1-62 lowercase letters, digits, "_" or "-" (the ID in bitbucket.org/<workspace>/, not the display name)',
      );

/** A UUID as Bitbucket shows it, with or without braces; stored lowercase without braces. */
export const uuid: Rule = (raw) => {
  const trimmed = raw.trim();
  const written = readUuid(trimmed);
  return written && written.open === written.close
    ? ok(written.uuid)
    : bad('must be a UUID like {2a1b3c4d-1111-4222-8333-444455556666} (braces optional)');
};

/** The workspace UUID, or the audience that names it (`ari:cloud:bitbucket::workspace/<uuid>`), as copied from the OpenID Connect page. */
export const workspaceUuid: Rule = (raw) => uuid(workspaceOfAudience(raw.trim()) ?? raw);

export const accountId: Rule = (raw) =>
  test(PATTERN.account, raw) ? ok(raw) : bad('must be a 12-digit AWS account ID');

export const region: Rule = (raw) =>
  test(PATTERN.region, raw) ? ok(raw) : bad('must be an AWS region code such as eu-west-1 or us-east-1');

/** IAM role name: 1-64 of letters, digits and `+=,.@_-`. */
export const roleName: Rule = (raw) =>
  test(PATTERN.roleName, raw) ? ok(raw) : bad('must be an IAM role name: 1-64 letters, digits or + = , . @ _ -');

export const oneOf =
  (choices: readonly string[]): Rule =>
  (raw) =>
    choices.includes(raw) ? ok(raw) : bad(`must be one of ${choices.join(', ')}${didYouMean(raw, choices)}`);

export const nonEmpty: Rule = (raw) => (raw.trim() ? ok(raw.trim()) : bad('must not be empty'));

/**
 * How long the role's sessions may last (its MaxSessionDuration): from IAM's least to its most, in whole
 * minutes (a step's `max-time` is in minutes); stored as `2h` or `90m`.
 */
export const sessionDuration: Rule = (raw) => {
  const seconds = parseDuration(raw);
  return seconds !== undefined && seconds % 60 === 0 && seconds >= AWS_DEFAULT_SESSION && seconds <= MAX_ROLE_SESSION
    ? ok(formatDuration(seconds))
    : bad(
        `must be a session from ${formatDuration(AWS_DEFAULT_SESSION)} to ${formatDuration(MAX_ROLE_SESSION)} in whole minutes, e.g. 3600, 90m or 2h`,
      );
};

/** The seconds of a duration the rule above accepted. */
export const sessionSeconds = (answer: string): number => parseDuration(answer)!;

/** The AWS partition a region belongs to: it appears in every ARN. */
export function partitionOf(regionCode: string): string {
  if (regionCode.startsWith('cn-')) return 'aws-cn';
  if (regionCode.startsWith('us-gov-')) return 'aws-us-gov';
  if (regionCode.startsWith('us-isob-')) return 'aws-iso-b';
  if (regionCode.startsWith('us-iso-')) return 'aws-iso';
  if (regionCode.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (regionCode.startsWith('us-isof-')) return 'aws-iso-f';
  return 'aws';
}

/** A valid IAM role name derived from the repository slug (the default for --role-name). */
export function roleNameFor(repo: string): string {
  return `bitbucket-${repo}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** Comma-separated ids (`a,b`), each kebab-case, no repeats. */
export const idList: Rule = (raw) => {
  const ids = raw.split(',').map((s) => s.trim());
  if (!ids.every((id) => /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)))
    return bad('must be one or more target ids, comma-separated, e.g. s3-static-site,ecr-push');
  if (new Set(ids).size !== ids.length) return bad('names a target twice');
  return ok(ids.join(','));
};

/**
 * Words of lowercase letters and digits joined by single hyphens: the name becomes Terraform and
 * CloudFormation identifiers (`pre-prod` → `pre_prod`, `PreProdRole`), which a hyphen at either end or
 * twice in a row would break.
 */
export const ENVIRONMENT_NAME = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';

/** Bitbucket's deployment environment types, in the order a change goes through them. */
export const ENVIRONMENT_TYPES = ['test', 'staging', 'production'] as const;
export type EnvironmentType = (typeof ENVIRONMENT_TYPES)[number];

/** The type a name says (`prod`, `live` → production; `stage`, `uat`, `pre-prod` → staging); test otherwise. */
export function environmentTypeOf(name: string): EnvironmentType {
  const words = name.split('-');
  if (/^(stag|uat|pre-?prod)/.test(name) || words.includes('staging')) return 'staging';
  if (words.some((w) => /^(prod|production|live)$/.test(w))) return 'production';
  return 'test';
}

export interface Environment {
  name: string;
  /** '' when not known yet. */
  uuid: string;
  type: EnvironmentType;
}

/** `name`, `name=uuid`, `name:type` or `name=uuid:type`, unchecked. */
function splitEnvironment(item: string): { name: string; id?: string; type?: string; rest: boolean } {
  const [head = '', ...rest] = item.split('=');
  const [value, type] = (rest.length ? rest.join('=') : head).split(':');
  return rest.length
    ? { name: head, id: value, type, rest: rest.length > 1 }
    : { name: value ?? '', type, rest: false };
}

/** Test, then staging, then production; by name within a type: the flags' order never matters. */
export function byStage(a: Environment, b: Environment): number {
  return ENVIRONMENT_TYPES.indexOf(a.type) - ENVIRONMENT_TYPES.indexOf(b.type) || a.name.localeCompare(b.name);
}

/**
 * Comma-separated `name[=uuid][:type]`; names unique; UUIDs normalised; in stage order. The type is kept
 * only where the name does not say it.
 */
export const environmentList: Rule = (raw) => {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out: Environment[] = [];
  for (const item of items) {
    // Bitbucket matches `deployment:` names without case, and shows its own as Test, Staging, Production
    const split = splitEnvironment(item);
    const { id, rest } = split;
    const name = split.name.toLowerCase();
    const type = split.type?.toLowerCase();
    if (!test(ENVIRONMENT_NAME, name) || name.length > 30 || rest) {
      return bad(
        `"${item}" must be name, name=uuid or name=uuid:type, the name 1-30 letters and digits starting with a letter (taken in lowercase, as Bitbucket matches it), words joined by single "-" (as in deployment: <name>)`,
      );
    }
    if (type !== undefined && !(ENVIRONMENT_TYPES as readonly string[]).includes(type))
      return bad(`"${item}": the environment type must be one of ${ENVIRONMENT_TYPES.join(', ')}`);
    let uuidValue = '';
    if (id !== undefined && id !== '') {
      const u = uuid(id);
      if ('error' in u) return bad(`"${item}": the environment UUID ${u.error}`);
      uuidValue = u.value;
    }
    out.push({ name, uuid: uuidValue, type: (type as EnvironmentType | undefined) ?? environmentTypeOf(name) });
  }
  const names = out.map((e) => e.name);
  if (new Set(names).size !== names.length) return bad('names an environment twice');
  // `a-1b` and `a1b` would get the same Terraform variable and CloudFormation logical ID
  const squash = (n = '') => n.replace(/-/g, '');
  const clash = names.filter((n) => names.some((m) => m !== n && squash(m) === squash(n)));
  if (clash.length)
    return bad(
      `names environments that differ only in "-" (${clash.join(', ')}): their Terraform and CloudFormation names would clash`,
    );
  return ok(out.sort(byStage).map(environmentText).join(','));
};

/** One environment as the answers record it. */
export function environmentText(e: Environment): string {
  const type = e.type === environmentTypeOf(e.name) ? '' : `:${e.type}`;
  return `${e.name}${e.uuid ? `=${e.uuid}` : ''}${type}`;
}

/** `test=uuid,production` → environments in stage order (uuid '' when not known yet). */
export function parseEnvironments(list: string): Environment[] {
  return list
    .split(',')
    .filter(Boolean)
    .map((item) => {
      const { name, id = '', type } = splitEnvironment(item);
      return { name, uuid: id, type: (type as EnvironmentType | undefined) ?? environmentTypeOf(name) };
    })
    .sort(byStage);
}

/** A relative path that stays inside the repository: `..` may not climb above where it starts. */
export function staysInside(path: string): boolean {
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return false;
  }
  return !path.startsWith('/');
}

// C0, DEL and C1 controls: a NUL cuts a path short for the system, the rest hide what the path is on screen
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `path` could lead out of the repository (or is no plain path), or undefined when it stays inside. */
export function pathOutside(path: string): string | undefined {
  if (!path) return 'is empty';
  if (CONTROL.test(path)) return 'holds a control character';
  if (path.includes('\\')) return 'holds a backslash';
  if (path.startsWith('/')) return 'is absolute';
  if (path.startsWith('~')) return 'starts with ~ (a home folder)';
  if (path.startsWith('-')) return 'starts with - (it would be read as an option)';
  if (!staysInside(path)) return 'climbs out of it with ..';
  return undefined;
}

/**
 * The one rule of every answer that is a path in the repository (a site folder, a template, a Dockerfile's
 * folder…), whichever target asks it and wherever the answer comes from: relative, no `..` above its start,
 * no `~`, `\`, NUL or other control character.
 */
export const repositoryPath: Rule = (raw) => {
  const why = pathOutside(raw);
  return why === undefined
    ? ok(raw)
    : bad(
        `must be a relative path inside the repository (no leading / ~ or -, no .. leading out, no \\ or control characters): this one ${why}`,
      );
};
