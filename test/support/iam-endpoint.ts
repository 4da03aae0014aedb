/**
 * A local stand-in for AWS IAM (and STS GetCallerIdentity) that the real AWS SDK clients talk to over HTTP on
 * 127.0.0.1. It speaks the AWS Query protocol as IAM does (form-encoded `Action=…` in, XML out, IAM's error
 * codes and HTTP statuses), so the code under test runs unchanged while tests seed and inspect what "AWS" holds,
 * and make it refuse (deny), throttle or race (beforeNext).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './git-env.ts';

// ---------------------------------------------------------------------------------------------------------
// State

/** Tag key → value, in the order the keys were first set. */
export type Tags = Record<string, string>;

export interface FakeProvider {
  arn: string;
  /** As created, with `https://`. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Tags;
  createDate: Date;
}

export interface AttachedPolicy {
  arn: string;
  name: string;
}

export interface FakeRole {
  name: string;
  arn: string;
  roleId: string;
  path: string;
  createDate: Date;
  /** Parsed JSON; a string is a raw document, returned exactly as it is (lets a test seed odd documents). */
  trustPolicy: unknown;
  description?: string;
  maxSessionDuration: number;
  tags: Tags;
  /** Policy name → the document exactly as put. */
  inlinePolicies: Map<string, string>;
  attached: AttachedPolicy[];
}

export interface IamState {
  /** By ARN. */
  providers: Map<string, FakeProvider>;
  /** By name as created (lookups ignore case, as IAM's do). */
  roles: Map<string, FakeRole>;
}

export interface IamCall {
  action: string;
  /** The decoded form fields, without Action and Version. */
  params: Record<string, string>;
  /** 0 while the call is still being answered. */
  status: number;
  /** The error code answered, if any. */
  code?: string;
  accessKeyId?: string;
}

export interface SeedProvider {
  url: string;
  clientIds: string[];
  thumbprints?: string[];
  tags?: Tags;
}

export interface SeedRole {
  name: string;
  trustPolicy: unknown;
  /** Name → document (objects are stored as JSON). */
  inlinePolicies?: Record<string, unknown>;
  /** Managed policy ARNs. */
  attached?: string[];
  maxSessionDuration?: number;
  tags?: Tags;
  description?: string;
  path?: string;
}

export interface IamEndpointOptions {
  /** The account everything lives in and the caller belongs to; default 123456789012. */
  account?: string;
}

export interface IamEndpoint {
  /** `http://127.0.0.1:PORT`: the endpoint for both IAM and STS. */
  url: string;
  account: string;
  /** The identity GetCallerIdentity answers and AccessDenied messages name. */
  callerArn: string;
  calls: IamCall[];
  state: IamState;
  /** Calls that would change something: every action but Get* and List*. */
  writes(): IamCall[];
  seedProvider(seed: SeedProvider): FakeProvider;
  seedRole(seed: SeedRole): FakeRole;
  /** Every later call of `action` is answered AccessDenied (403), with AWS's message unless one is given. */
  deny(action: string, message?: string): void;
  /** The next `times` calls of `action` are answered Throttling (400) "Rate exceeded". */
  throttle(action: string, times: number): void;
  /** Runs `fn` (awaited) just before the next call of `action` is handled (after auth, throttling and deny). */
  beforeNext(action: string, fn: () => unknown): void;
  /** Forgets calls, denials, throttles, pending beforeNext hooks and, unless keepState, providers and roles. */
  reset(options?: { keepState?: boolean }): void;
  close(): Promise<void>;
}

export const TEST_ACCESS_KEY_ID = 'AKIDTESTFAKEIAMENDPOINT';

// ---------------------------------------------------------------------------------------------------------
// Errors, with the codes and statuses real IAM answers (the SDK maps modelled codes to its exception classes)

class Fault extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const noSuchEntity = (message: string) => new Fault('NoSuchEntity', 404, message);
const alreadyExists = (message: string) => new Fault('EntityAlreadyExists', 409, message);
const malformedPolicy = (message: string) => new Fault('MalformedPolicyDocument', 400, message);
const invalidInput = (message: string) => new Fault('InvalidInput', 400, message);
const limitExceeded = (message: string) => new Fault('LimitExceeded', 409, message);
/** The wording of AWS's request validation, which names the member in lower camel case. */
const validation = (field: string, value: string | null, rule: string) =>
  new Fault(
    'ValidationError',
    400,
    `1 validation error detected: Value ${value === null ? 'null' : `'${value}'`} at '${field[0]?.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must ${rule}`,
  );

// ---------------------------------------------------------------------------------------------------------
// Reading the form: scalars, `X.member.N` lists and `Tags.member.N.Key|Value`

type Params = Record<string, string>;

function required(params: Params, field: string): string {
  const value = params[field];
  if (value === undefined) throw validation(field, null, 'not be null');
  return value;
}

/** A list parameter, or undefined when absent (the SDK sends `Field=` for an empty list). */
function list(params: Params, field: string): string[] | undefined {
  const prefix = `${field}.member.`;
  const indexed = Object.keys(params)
    .filter((key) => key.startsWith(prefix))
    .map((key) => [Number(key.slice(prefix.length)), params[key] ?? ''] as const);
  if (indexed.length === 0) return field in params ? [] : undefined;
  return indexed.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

function tagList(params: Params): [string, string][] {
  const indices = new Set<number>();
  for (const key of Object.keys(params)) {
    const match = /^Tags\.member\.(\d+)\.(?:Key|Value)$/.exec(key);
    if (match) indices.add(Number(match[1]));
  }
  return [...indices]
    .sort((a, b) => a - b)
    .map((i) => {
      const key = required(params, `Tags.member.${i}.Key`);
      const value = params[`Tags.member.${i}.Value`] ?? '';
      if (key.length < 1 || key.length > 128)
        throw validation('tags.member.key', key, 'have length less than or equal to 128');
      if (value.length > 256) throw validation('tags.member.value', value, 'have length less than or equal to 256');
      return [key, value];
    });
}

/** IAM merges tags by key; a resource holds at most 50. */
function addTags(target: Tags, tags: [string, string][], quota: string): void {
  const keys = new Set([...Object.keys(target), ...tags.map(([key]) => key)]);
  if (keys.size > 50) throw limitExceeded(`Cannot exceed quota for ${quota}: 50`);
  for (const [key, value] of tags) setTag(target, key, value);
}

/** defineProperty, because `__proto__` is a valid tag key that plain assignment would swallow. */
function setTag(target: Tags, key: string, value: string): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Policy documents must be JSON objects; IAM's own message differs for trust and permission policies. */
function policyDocument(
  params: Params,
  field: string,
  invalidJson: string,
): { source: string; json: Record<string, unknown> } {
  const source = required(params, field);
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch {
    throw malformedPolicy(invalidJson);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw malformedPolicy(invalidJson);
  return { source, json: json as Record<string, unknown> };
}

/** Pages like IAM's list calls (MaxItems, Marker → IsTruncated, Marker); our markers are offsets. */
function paginate<T>(items: T[], params: Params): { page: T[]; tail: string } {
  const max = params.MaxItems === undefined ? 100 : Number(params.MaxItems);
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw validation('MaxItems', params.MaxItems ?? null, 'have value between 1 and 1000');
  const start = params.Marker === undefined ? 0 : Number(params.Marker);
  if (!Number.isInteger(start) || start < 0)
    throw validation('Marker', params.Marker ?? null, 'be a marker this endpoint gave');
  const next = start + max;
  const tail =
    next < items.length ? text('IsTruncated', 'true') + text('Marker', String(next)) : text('IsTruncated', 'false');
  return { page: items.slice(start, next), tail };
}

// ---------------------------------------------------------------------------------------------------------
// Writing XML

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
};
const escapeXml = (value: string) => value.replace(/[&<>"'\r]/g, (c) => XML_ESCAPES[c] ?? c);
const element = (name: string, content = '') => `<${name}>${content}</${name}>`;
const text = (name: string, value: string | number | undefined) =>
  value === undefined ? '' : element(name, escapeXml(String(value)));
const members = (name: string, items: string[]) => element(name, items.map((item) => element('member', item)).join(''));
const textMembers = (name: string, values: string[]) => members(name, values.map(escapeXml));
const tagMembers = (tags: [string, string][]) =>
  members(
    'Tags',
    tags.map(([key, value]) => text('Key', key) + text('Value', value)),
  );
/** IAM leaves out an empty Tags element where the shape allows it. */
const optionalTags = (tags: Tags) => (Object.keys(tags).length ? tagMembers(Object.entries(tags)) : '');
/** IAM's timestamps: ISO 8601 in UTC, without milliseconds. */
const isoDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const documentText = (document: unknown) => (typeof document === 'string' ? document : JSON.stringify(document));

// ---------------------------------------------------------------------------------------------------------
// Entities

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const ROLE_PATH = /^(?:\/|\/[\u0021-\u007E]+\/)$/;
const PROVIDER_ARN = /^arn:aws:iam::\d{12}:oidc-provider\/.+$/;
const POLICY_ARN = /^arn:aws:iam::(?:aws|\d{12}):policy\/(?:[\u0021-\u007E]*\/)?([\w+=,.@-]+)$/;

interface World {
  state: IamState;
  account: string;
  callerArn: string;
}

const withoutScheme = (url: string) => url.replace(/^https:\/\//, '');
const providerArn = (account: string, url: string) => `arn:aws:iam::${account}:oidc-provider/${withoutScheme(url)}`;
const roleArn = (account: string, path: string, name: string) => `arn:aws:iam::${account}:role${path}${name}`;

/** IAM ids: a type prefix and 17 upper-case letters and digits. */
function uniqueId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + Array.from(randomBytes(17), (b) => alphabet[b % 32]).join('');
}

/**
 * Without a ThumbprintList, IAM fetches one from the issuer's certificate chain; the fake cannot, so it
 * stores a stable stand-in, and a provider is never left without a thumbprint, as on AWS.
 */
const fetchedThumbprint = (url: string) => createHash('sha1').update(url).digest('hex');

function newProvider(world: World, url: string, clientIds: string[], thumbprints: string[]): FakeProvider {
  return { arn: providerArn(world.account, url), url, clientIds, thumbprints, tags: {}, createDate: new Date() };
}

function newRole(world: World, name: string, path: string, trustPolicy: unknown): FakeRole {
  return {
    name,
    arn: roleArn(world.account, path, name),
    roleId: uniqueId('AROA'),
    path,
    createDate: new Date(),
    trustPolicy,
    maxSessionDuration: 3600,
    tags: {},
    inlinePolicies: new Map(),
    attached: [],
  };
}

function findRole(state: IamState, name: string): FakeRole | undefined {
  const wanted = name.toLowerCase();
  for (const role of state.roles.values()) if (role.name.toLowerCase() === wanted) return role;
  return undefined;
}

function existingRole({ state }: World, params: Params): FakeRole {
  const name = required(params, 'RoleName');
  const role = findRole(state, name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

function existingProvider({ state }: World, params: Params): FakeProvider {
  const arn = required(params, 'OpenIDConnectProviderArn');
  if (!PROVIDER_ARN.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
  const provider = state.providers.get(arn);
  if (!provider) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
  return provider;
}

function checkClientIds(clientIds: string[]): string[] {
  for (const id of clientIds) {
    if (id.length < 1 || id.length > 255) throw validation('clientIDList.member', id, 'have length between 1 and 255');
  }
  if (clientIds.length > 100) throw limitExceeded('Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100');
  return clientIds;
}

function checkThumbprints(thumbprints: string[]): string[] {
  for (const t of thumbprints) {
    if (t.length !== 40) throw validation('thumbprintList.member', t, 'have length equal to 40');
  }
  if (thumbprints.length > 5)
    throw validation('ThumbprintList', thumbprints.join(','), 'have length less than or equal to 5');
  return thumbprints;
}

function checkRoleName(name: string): string {
  if (!ROLE_NAME.test(name)) throw validation('RoleName', name, 'satisfy regular expression pattern: [\\w+=,.@-]+');
  return name;
}

function checkSessionDuration(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
    throw validation('MaxSessionDuration', value, 'have value between 3600 and 43200');
  }
  return seconds;
}

function checkDescription(value: string): string {
  if (value.length > 1000) throw validation('Description', value, 'have length less than or equal to 1000');
  return value;
}

/**
 * IAM resolves the principals of a trust policy when it stores it: a Federated principal naming an OIDC
 * provider of this account that does not exist is refused, so roles must be created after their provider.
 */
function checkFederatedPrincipals(world: World, policy: Record<string, unknown>): void {
  const statements = ([] as unknown[]).concat(policy.Statement ?? []);
  for (const statement of statements) {
    const principal = (statement as { Principal?: { Federated?: unknown } } | null)?.Principal;
    for (const federated of ([] as unknown[]).concat(principal?.Federated ?? [])) {
      const ownProvider =
        typeof federated === 'string' && federated.startsWith(`arn:aws:iam::${world.account}:oidc-provider/`);
      if (ownProvider && !world.state.providers.has(federated)) {
        throw malformedPolicy(`Invalid principal in policy: "Federated":"${federated}"`);
      }
    }
  }
}

const trustPolicyParam = (params: Params, field: string) =>
  policyDocument(params, field, 'This policy contains invalid Json').json;

function roleXml(role: FakeRole): string {
  return element(
    'Role',
    text('Path', role.path) +
      text('RoleName', role.name) +
      text('RoleId', role.roleId) +
      text('Arn', role.arn) +
      text('CreateDate', isoDate(role.createDate)) +
      // IAM hands policy documents out URL-encoded; the SDK passes them on as they are
      text('AssumeRolePolicyDocument', encodeURIComponent(documentText(role.trustPolicy))) +
      text('Description', role.description) +
      text('MaxSessionDuration', role.maxSessionDuration) +
      optionalTags(role.tags),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Actions: each returns the inner XML of <ActionResult>, or undefined for actions whose answer has none

type Handler = (world: World, params: Params) => string | undefined;

const IAM_ACTIONS: Record<string, Handler> = {
  CreateOpenIDConnectProvider(world, params) {
    const url = required(params, 'Url');
    if (!url.startsWith('https://') || url.length > 255)
      throw invalidInput(`Invalid Url: ${url}. The Url must begin with https://`);
    const clientIds = checkClientIds(list(params, 'ClientIDList') ?? []);
    const given = list(params, 'ThumbprintList');
    const thumbprints = given === undefined || given.length === 0 ? [fetchedThumbprint(url)] : checkThumbprints(given);
    const tags = tagList(params);
    const provider = newProvider(world, url, clientIds, thumbprints);
    if (world.state.providers.has(provider.arn)) throw alreadyExists(`Provider with url ${url} already exists.`);
    addTags(provider.tags, tags, 'TagsPerOpenIdConnectProvider');
    world.state.providers.set(provider.arn, provider);
    return text('OpenIDConnectProviderArn', provider.arn) + optionalTags(provider.tags);
  },

  GetOpenIDConnectProvider(world, params) {
    const provider = existingProvider(world, params);
    return (
      text('Url', withoutScheme(provider.url)) +
      textMembers('ClientIDList', provider.clientIds) +
      textMembers('ThumbprintList', provider.thumbprints) +
      text('CreateDate', isoDate(provider.createDate)) +
      optionalTags(provider.tags)
    );
  },

  ListOpenIDConnectProviders({ state }) {
    return members(
      'OpenIDConnectProviderList',
      [...state.providers.keys()].map((arn) => text('Arn', arn)),
    );
  },

  AddClientIDToOpenIDConnectProvider(world, params) {
    const provider = existingProvider(world, params);
    const [clientId] = checkClientIds([required(params, 'ClientID')]);
    // adding a client id the provider already has is not an error
    if (clientId !== undefined && !provider.clientIds.includes(clientId)) {
      provider.clientIds = checkClientIds([...provider.clientIds, clientId]);
    }
    return undefined;
  },

  UpdateOpenIDConnectProviderThumbprint(world, params) {
    const thumbprints = list(params, 'ThumbprintList');
    if (thumbprints === undefined) throw validation('ThumbprintList', null, 'not be null');
    existingProvider(world, params).thumbprints = checkThumbprints(thumbprints);
    return undefined;
  },

  TagOpenIDConnectProvider(world, params) {
    const provider = existingProvider(world, params);
    addTags(provider.tags, tagList(params), 'TagsPerOpenIdConnectProvider');
    return undefined;
  },

  CreateRole(world, params) {
    const name = checkRoleName(required(params, 'RoleName'));
    const trustPolicy = trustPolicyParam(params, 'AssumeRolePolicyDocument');
    const path = params.Path ?? '/';
    if (!ROLE_PATH.test(path) || path.length > 512)
      throw validation(
        'Path',
        path,
        'satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
      );
    const tags = tagList(params);
    if (findRole(world.state, name)) throw alreadyExists(`Role with name ${name} already exists.`);
    checkFederatedPrincipals(world, trustPolicy);
    const role = newRole(world, name, path, trustPolicy);
    if (params.Description !== undefined) role.description = checkDescription(params.Description);
    if (params.MaxSessionDuration !== undefined)
      role.maxSessionDuration = checkSessionDuration(params.MaxSessionDuration);
    addTags(role.tags, tags, 'TagsPerRole');
    world.state.roles.set(name, role);
    return roleXml(role);
  },

  GetRole(world, params) {
    return roleXml(existingRole(world, params));
  },

  UpdateAssumeRolePolicy(world, params) {
    const role = existingRole(world, params);
    const trustPolicy = trustPolicyParam(params, 'PolicyDocument');
    checkFederatedPrincipals(world, trustPolicy);
    role.trustPolicy = trustPolicy;
    return undefined;
  },

  UpdateRole(world, params) {
    const role = existingRole(world, params);
    if (params.Description !== undefined) role.description = checkDescription(params.Description);
    if (params.MaxSessionDuration !== undefined)
      role.maxSessionDuration = checkSessionDuration(params.MaxSessionDuration);
    return '';
  },

  TagRole(world, params) {
    addTags(existingRole(world, params).tags, tagList(params), 'TagsPerRole');
    return undefined;
  },

  ListRoleTags(world, params) {
    const { page, tail } = paginate(Object.entries(existingRole(world, params).tags), params);
    return tagMembers(page) + tail;
  },

  PutRolePolicy(world, params) {
    const role = existingRole(world, params);
    const name = required(params, 'PolicyName');
    if (!POLICY_NAME.test(name))
      throw validation('PolicyName', name, 'satisfy regular expression pattern: [\\w+=,.@-]+');
    role.inlinePolicies.set(name, policyDocument(params, 'PolicyDocument', 'Syntax errors in policy.').source);
    return undefined;
  },

  GetRolePolicy(world, params) {
    const role = existingRole(world, params);
    const name = required(params, 'PolicyName');
    const document = role.inlinePolicies.get(name);
    if (document === undefined) throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
    return (
      text('RoleName', role.name) + text('PolicyName', name) + text('PolicyDocument', encodeURIComponent(document))
    );
  },

  ListRolePolicies(world, params) {
    const { page, tail } = paginate([...existingRole(world, params).inlinePolicies.keys()], params);
    return textMembers('PolicyNames', page) + tail;
  },

  DeleteRolePolicy(world, params) {
    const role = existingRole(world, params);
    const name = required(params, 'PolicyName');
    if (!role.inlinePolicies.delete(name)) throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
    return undefined;
  },

  AttachRolePolicy(world, params) {
    const role = existingRole(world, params);
    const arn = required(params, 'PolicyArn');
    const name = POLICY_ARN.exec(arn)?.[1];
    if (name === undefined) throw invalidInput(`ARN ${arn} is not valid.`);
    // attaching an attached policy again changes nothing
    if (role.attached.some((p) => p.arn === arn)) return undefined;
    if (role.attached.length >= 10) throw limitExceeded('Cannot exceed quota for PoliciesPerRole: 10');
    role.attached.push({ arn, name });
    return undefined;
  },

  ListAttachedRolePolicies(world, params) {
    const { page, tail } = paginate(existingRole(world, params).attached, params);
    return (
      members(
        'AttachedPolicies',
        page.map((p) => text('PolicyName', p.name) + text('PolicyArn', p.arn)),
      ) + tail
    );
  },
};

const STS_ACTIONS: Record<string, Handler> = {
  GetCallerIdentity({ account, callerArn }) {
    return text('UserId', 'AIDATESTFAKEENDPOINT0') + text('Account', account) + text('Arn', callerArn);
  },
};

interface Service {
  /** The service prefix of actions in policies and the signing name the credential scope must carry. */
  name: 'iam' | 'sts';
  version: string;
  namespace: string;
  actions: Record<string, Handler>;
}

const IAM: Service = {
  name: 'iam',
  version: '2010-05-08',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  actions: IAM_ACTIONS,
};
const STS: Service = {
  name: 'sts',
  version: '2011-06-15',
  namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  actions: STS_ACTIONS,
};

// ---------------------------------------------------------------------------------------------------------
// Requests: authentication, the test's interventions, dispatch

/** The resource an AccessDenied message names, as AWS would for this call. */
function resourceOf(world: World, action: string, params: Params): string {
  const { account } = world;
  if (params.RoleName !== undefined) {
    return findRole(world.state, params.RoleName)?.arn ?? roleArn(account, params.Path ?? '/', params.RoleName);
  }
  if (params.OpenIDConnectProviderArn !== undefined) return params.OpenIDConnectProviderArn;
  if (action === 'CreateOpenIDConnectProvider' && params.Url !== undefined) return providerArn(account, params.Url);
  if (action === 'ListOpenIDConnectProviders') return `arn:aws:iam::${account}:oidc-provider/*`;
  return '*';
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, …` → key id and signing name. */
function parseAuthorization(header: string | undefined): { accessKeyId: string; service: string } | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(header ?? '');
  return match ? { accessKeyId: match[1] ?? '', service: match[2] ?? '' } : undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(body);
}

const successXml = (service: Service, action: string, result: string | undefined, requestId: string) =>
  `<${action}Response xmlns="${service.namespace}">` +
  (result === undefined ? '' : element(`${action}Result`, result)) +
  element('ResponseMetadata', text('RequestId', requestId)) +
  `</${action}Response>`;

const errorXml = (service: Service, fault: Fault, requestId: string) =>
  `<ErrorResponse xmlns="${service.namespace}">` +
  element(
    'Error',
    text('Type', fault.status >= 500 ? 'Receiver' : 'Sender') +
      text('Code', fault.code) +
      text('Message', fault.message),
  ) +
  text('RequestId', requestId) +
  `</ErrorResponse>`;

export async function startIamEndpoint(options: IamEndpointOptions = {}): Promise<IamEndpoint> {
  const account = options.account ?? '123456789012';
  const world: World = {
    state: { providers: new Map(), roles: new Map() },
    account,
    callerArn: `arn:aws:iam::${account}:user/tester`,
  };
  const calls: IamCall[] = [];
  const denials = new Map<string, string | undefined>();
  const throttles = new Map<string, number>();
  const hooks = new Map<string, (() => unknown)[]>();

  /** Everything that may refuse a call before its handler runs, in the order AWS's front door would. */
  async function admit(
    service: Service,
    action: string,
    params: Params,
    auth: ReturnType<typeof parseAuthorization>,
  ): Promise<Handler> {
    if (!auth) throw new Fault('MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
    if (auth.service !== service.name)
      throw new Fault(
        'SignatureDoesNotMatch',
        403,
        `Credential should be scoped to correct service: '${service.name}'. `,
      );
    const handler = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
    if (!handler)
      throw new Fault('InvalidAction', 400, `Could not find operation ${action} for version ${service.version}`);
    const throttled = throttles.get(action) ?? 0;
    if (throttled > 0) {
      throttles.set(action, throttled - 1);
      throw new Fault('Throttling', 400, 'Rate exceeded');
    }
    if (denials.has(action)) {
      const permission = `${service.name}:${action}`;
      const resource = resourceOf(world, action, params);
      const message =
        denials.get(action) ??
        `User: ${world.callerArn} is not authorized to perform: ${permission} on resource: ${resource} because no identity-based policy allows the ${permission} action`;
      throw new Fault('AccessDenied', 403, message);
    }
    await hooks.get(action)?.shift()?.();
    return handler;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const action = form.get('Action') ?? '';
    const service = form.get('Version') === STS.version ? STS : IAM;
    form.delete('Action');
    form.delete('Version');
    const auth = parseAuthorization(req.headers.authorization);
    const call: IamCall = { action, params: Object.fromEntries(form), status: 0, accessKeyId: auth?.accessKeyId };
    calls.push(call);
    const requestId = randomUUID();
    try {
      const handler = await admit(service, action, call.params, auth);
      const result = handler(world, call.params);
      call.status = 200;
      send(res, 200, successXml(service, action, result, requestId), requestId);
    } catch (error) {
      // anything but a Fault is a bug in the fake or a test's hook: answer it as AWS answers its own failures
      const fault = error instanceof Fault ? error : new Fault('ServiceFailure', 500, String(error));
      call.status = fault.status;
      call.code = fault.code;
      send(res, fault.status, errorXml(service, fault, requestId), requestId);
    }
  }

  // a client that hangs up mid-request (a killed child process) must not become an unhandled rejection
  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    account,
    callerArn: world.callerArn,
    calls,
    state: world.state,
    writes: () => calls.filter((c) => !/^(?:Get|List)/.test(c.action)),
    seedProvider(seed) {
      const provider = newProvider(
        world,
        seed.url,
        [...seed.clientIds],
        seed.thumbprints ? [...seed.thumbprints] : [fetchedThumbprint(seed.url)],
      );
      for (const [key, value] of Object.entries(seed.tags ?? {})) setTag(provider.tags, key, value);
      world.state.providers.set(provider.arn, provider);
      return provider;
    },
    seedRole(seed) {
      const role = newRole(world, seed.name, seed.path ?? '/', seed.trustPolicy);
      role.description = seed.description;
      role.maxSessionDuration = seed.maxSessionDuration ?? role.maxSessionDuration;
      for (const [key, value] of Object.entries(seed.tags ?? {})) setTag(role.tags, key, value);
      for (const [name, document] of Object.entries(seed.inlinePolicies ?? {}))
        role.inlinePolicies.set(name, documentText(document));
      role.attached = (seed.attached ?? []).map((arn) => ({ arn, name: arn.slice(arn.lastIndexOf('/') + 1) }));
      world.state.roles.set(seed.name, role);
      return role;
    },
    deny: (action, message) => void denials.set(action, message),
    throttle: (action, times) => void throttles.set(action, times),
    beforeNext(action, fn) {
      hooks.set(action, [...(hooks.get(action) ?? []), fn]);
    },
    reset({ keepState = false } = {}) {
      if (!keepState) {
        world.state.providers.clear();
        world.state.roles.clear();
      }
      calls.length = 0;
      denials.clear();
      throttles.clear();
      hooks.clear();
    },
    async close() {
      // Node closes idle kept-alive connections itself; a request still open (a child process a test gave
      // up on) must not keep close() waiting
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The environment that sends the AWS SDK (in this process or a child) here and nowhere else

/** Variables a developer's or CI machine may have that would give the SDK other credentials, endpoints or retries. */
const INHERITED_AWS: Env = Object.fromEntries(
  [
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_SECURITY_TOKEN',
    'AWS_CREDENTIAL_EXPIRATION',
    'AWS_ROLE_ARN',
    'AWS_ROLE_SESSION_NAME',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    'AWS_ENDPOINT_URL',
    'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
    'AWS_DEFAULT_REGION',
    'AWS_USE_FIPS_ENDPOINT',
    'AWS_USE_DUALSTACK_ENDPOINT',
    'AWS_MAX_ATTEMPTS',
    'AWS_RETRY_MODE',
  ].map((name) => [name, undefined]),
);

/** Variables for the SDK to reach `endpoint` with test credentials; undefined values must be unset. */
export function awsEnv(endpoint: { url: string }): Env {
  // a path that does not exist, so no shared config or credentials file of the machine is read
  const nowhere = join(tmpdir(), `pipelines-oidc-no-aws-config-${randomUUID()}`, 'none');
  return {
    ...INHERITED_AWS,
    AWS_ENDPOINT_URL_IAM: endpoint.url,
    AWS_ENDPOINT_URL_STS: endpoint.url,
    AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: 'test-secret-of-the-fake-iam-endpoint',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function setEnv(values: Env): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/**
 * Applies `env` to process.env (undefined unsets) and returns what puts the previous values back. The SDK
 * reads much of its configuration (region, credentials, retries, endpoints) lazily, at the first request,
 * so the environment must stay applied for as long as clients send.
 */
export function applyEnv(env: Env): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  setEnv(env);
  return () => setEnv(saved);
}

/** Runs `fn` with `env` applied to process.env, restoring the previous values after. */
export async function withEnv<T>(env: Env, fn: () => Promise<T>): Promise<T> {
  const restore = applyEnv(env);
  try {
    return await fn();
  } finally {
    restore();
  }
}
