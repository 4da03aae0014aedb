/**
 * The Bitbucket resources the OIDC setup reads and writes, one function per route of the REST API 2.0,
 * each returning only the fields we use, read by a reader of ./shape.ts: an answer of another shape, or
 * about another repository, variable or pipeline than the one asked for, is an error. UUIDs are returned
 * as Bitbucket sends them (with braces).
 */
import type { BitbucketClient } from './client.js';
import { bracedUuid, object, optionalText, same, sameUuid, ShapeError, text, type Reader } from './shape.js';

export interface ApiRepository {
  uuid: string;
  slug?: string;
  is_private?: boolean;
  links?: { clone?: Array<{ name: string; href: string }> };
}

export interface ApiVariable {
  uuid: string;
  key: string;
  /** Absent for a secured variable: Bitbucket never returns its value. */
  value?: string;
  secured: boolean;
}

export interface ApiEnvironment {
  uuid: string;
  name: string;
  environment_type?: { name?: string };
}

export interface ApiState {
  name: string;
  result?: { name: string };
  stage?: { name: string };
}

export interface ApiPipeline {
  uuid: string;
  build_number?: number;
  state: ApiState;
  /** The custom pipeline it runs (`custom:<name>`) and on which branch, when Bitbucket says so. */
  ran?: { pipeline?: string; branch?: string };
}

export interface ApiStep {
  uuid: string;
  name?: string;
  state: ApiState;
}

const state = (value: unknown, what: string): ApiState => {
  const o = object(value, what);
  const named = (key: string) => {
    if (o[key] === undefined || o[key] === null) return {};
    return { [key]: { name: text(object(o[key], `${what}.${key}`), 'name', `${what}.${key}`) } };
  };
  return { name: text(o, 'name', what), ...named('result'), ...named('stage') };
};

const repository =
  (workspace?: string, slug?: string): Reader<ApiRepository & { slug: string }> =>
  (value) => {
    const o = object(value, 'the repository');
    const answer = { uuid: bracedUuid(o, 'uuid', 'the repository'), slug: text(o, 'slug', 'the repository') };
    if (slug !== undefined) same(answer.slug, slug, 'the repository slug');
    const fullName = optionalText(o, 'full_name', 'the repository');
    if (workspace !== undefined && slug !== undefined && fullName !== undefined)
      same(fullName, `${workspace}/${slug}`, 'the repository full_name');
    const clone = object(o['links'] ?? {}, 'the repository links')['clone'];
    const links = Array.isArray(clone)
      ? clone.map((l) => {
          const link = object(l, 'a clone link');
          return { name: text(link, 'name', 'a clone link'), href: text(link, 'href', 'a clone link') };
        })
      : [];
    return {
      ...answer,
      ...(typeof o['is_private'] === 'boolean' ? { is_private: o['is_private'] } : {}),
      links: { clone: links },
    };
  };

const variable =
  (key?: string): Reader<ApiVariable> =>
  (value) => {
    const o = object(value, 'the variable');
    const v = {
      uuid: bracedUuid(o, 'uuid', 'the variable'),
      key: text(o, 'key', 'the variable'),
      secured: o['secured'] === true,
    };
    if (key !== undefined) same(v.key, key, 'the variable key');
    const shownValue = optionalText(o, 'value', 'the variable');
    return shownValue === undefined ? v : { ...v, value: shownValue };
  };

const environment =
  (name?: string): Reader<ApiEnvironment> =>
  (value) => {
    const o = object(value, 'the environment');
    const e = { uuid: bracedUuid(o, 'uuid', 'the environment'), name: text(o, 'name', 'the environment') };
    if (name !== undefined) same(e.name, name, 'the environment name');
    const type = o['environment_type'] === undefined ? undefined : object(o['environment_type'], 'environment_type');
    const typeName = type && optionalText(type, 'name', 'environment_type');
    return typeName === undefined ? e : { ...e, environment_type: { name: typeName } };
  };

const pipeline =
  (uuid?: string, buildNumber?: number): Reader<ApiPipeline> =>
  (value) => {
    const o = object(value, 'the pipeline');
    const p = { uuid: bracedUuid(o, 'uuid', 'the pipeline'), state: state(o['state'], 'the pipeline state') };
    if (uuid !== undefined) sameUuid(p.uuid, uuid, 'the pipeline uuid');
    const n = o['build_number'];
    if (n !== undefined && !Number.isSafeInteger(n)) throw new ShapeError('the pipeline build_number is not a number');
    if (buildNumber !== undefined && n !== buildNumber)
      throw new ShapeError(`the pipeline is #${String(n ?? '?')}, not the #${buildNumber} asked for`);
    const ran = ranOf(o['target']);
    return { ...p, ...(n === undefined ? {} : { build_number: n as number }), ...(ran ? { ran } : {}) };
  };

/** What a pipeline runs, from its `target`: only plain names are kept, anything else is left out. */
function ranOf(target: unknown): ApiPipeline['ran'] {
  if (!target || typeof target !== 'object') return undefined;
  const t = target as { ref_name?: unknown; selector?: { type?: unknown; pattern?: unknown } };
  const name = (v: unknown) => (typeof v === 'string' && /^[\w./-]{1,200}$/.test(v) ? v : undefined);
  const pattern = t.selector?.type === 'custom' ? name(t.selector.pattern) : undefined;
  const branch = name(t.ref_name);
  return pattern || branch
    ? { ...(pattern ? { pipeline: `custom:${pattern}` } : {}), ...(branch ? { branch } : {}) }
    : undefined;
}

const step: Reader<ApiStep> = (value) => {
  const o = object(value, 'the step');
  const name = optionalText(o, 'name', 'the step');
  return {
    uuid: bracedUuid(o, 'uuid', 'the step'),
    state: state(o['state'], 'the step state'),
    ...(name === undefined ? {} : { name }),
  };
};

const pipelinesConfig: Reader<{ enabled?: boolean }> = (value) => {
  const o = object(value, 'the Pipelines settings');
  if (o['enabled'] !== undefined && typeof o['enabled'] !== 'boolean')
    throw new ShapeError('the Pipelines settings: enabled is not true or false');
  return o['enabled'] === undefined ? {} : { enabled: o['enabled'] as boolean };
};

const enabled: Reader<{ enabled: boolean }> = (value) => {
  if (pipelinesConfig(value).enabled !== true) throw new ShapeError('Pipelines is not enabled in the answer');
  return { enabled: true };
};

const workspaceOf =
  (slug: string): Reader<{ uuid: string; slug: string }> =>
  (value) => {
    const o = object(value, 'the workspace');
    return {
      uuid: bracedUuid(o, 'uuid', 'the workspace'),
      slug: same(text(o, 'slug', 'the workspace'), slug, 'the workspace slug'),
    };
  };

/** The OpenID discovery document: only its being an object is assumed here (doctor judges its fields). */
export const discoveryDocument: Reader<{ issuer?: unknown }> = (value) => object(value, 'the discovery document');

const seg = encodeURIComponent;
const repo = (workspace: string, slug: string) => `/repositories/${seg(workspace)}/${seg(slug)}`;

export const getWorkspace = (c: BitbucketClient, workspace: string) =>
  c.find(`/workspaces/${seg(workspace)}`, workspaceOf(workspace));

/** Every repository of the workspace the token can see (one call per 100). */
export const listRepositories = (c: BitbucketClient, workspace: string) =>
  c.list(`/repositories/${seg(workspace)}?pagelen=100`, repository());

export const getRepository = (c: BitbucketClient, workspace: string, slug: string) =>
  c.find(repo(workspace, slug), repository(workspace, slug));

export const createRepository = (c: BitbucketClient, workspace: string, slug: string, project: string | undefined) =>
  c.send(
    'POST',
    repo(workspace, slug),
    { scm: 'git', is_private: true, ...(project ? { project: { key: project } } : {}) },
    repository(workspace, slug),
  );

export const getPipelinesConfig = (c: BitbucketClient, workspace: string, slug: string) =>
  c.find(`${repo(workspace, slug)}/pipelines_config`, pipelinesConfig);

export const enablePipelines = (c: BitbucketClient, workspace: string, slug: string) =>
  c.send('PUT', `${repo(workspace, slug)}/pipelines_config`, { enabled: true }, enabled);

export const listVariables = (c: BitbucketClient, workspace: string, slug: string) =>
  c.list(`${repo(workspace, slug)}/pipelines_config/variables?pagelen=100`, variable());

/** A plain (not secured) variable written at `url`: the repository's or a deployment environment's. */
const sendVariable = (c: BitbucketClient, method: 'POST' | 'PUT', url: string, key: string, value: string) =>
  c.send(method, url, { key, value, secured: false }, variable(key));

export const createVariable = (c: BitbucketClient, workspace: string, slug: string, key: string, value: string) =>
  sendVariable(c, 'POST', `${repo(workspace, slug)}/pipelines_config/variables`, key, value);

export const updateVariable = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  uuid: string,
  key: string,
  value: string,
) => sendVariable(c, 'PUT', `${repo(workspace, slug)}/pipelines_config/variables/${seg(uuid)}`, key, value);

export const listEnvironments = (c: BitbucketClient, workspace: string, slug: string) =>
  c.list(`${repo(workspace, slug)}/environments?pagelen=100`, environment());

export const createEnvironment = (c: BitbucketClient, workspace: string, slug: string, name: string, type: string) =>
  c.send(
    'POST',
    `${repo(workspace, slug)}/environments`,
    { type: 'deployment_environment', name, environment_type: { type: 'deployment_environment_type', name: type } },
    environment(name),
  );

const deploymentVariables = (workspace: string, slug: string, environmentUuid: string) =>
  `${repo(workspace, slug)}/deployments_config/environments/${seg(environmentUuid)}/variables`;

export const listDeploymentVariables = (c: BitbucketClient, workspace: string, slug: string, environmentUuid: string) =>
  c.list(`${deploymentVariables(workspace, slug, environmentUuid)}?pagelen=100`, variable());

export const createDeploymentVariable = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  environmentUuid: string,
  key: string,
  value: string,
) => sendVariable(c, 'POST', deploymentVariables(workspace, slug, environmentUuid), key, value);

export const updateDeploymentVariable = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  environmentUuid: string,
  uuid: string,
  key: string,
  value: string,
) => sendVariable(c, 'PUT', `${deploymentVariables(workspace, slug, environmentUuid)}/${seg(uuid)}`, key, value);

export const triggerPipeline = (c: BitbucketClient, workspace: string, slug: string, target: unknown) =>
  c.send('POST', `${repo(workspace, slug)}/pipelines`, { target }, pipeline());

export const getPipeline = (c: BitbucketClient, workspace: string, slug: string, uuid: string) =>
  c.get(`${repo(workspace, slug)}/pipelines/${seg(uuid)}`, pipeline(uuid));

/** Bitbucket answers a pipeline's build number in place of its UUID; the answer must be that build. */
export const getPipelineByNumber = (c: BitbucketClient, workspace: string, slug: string, buildNumber: number) =>
  c.find(`${repo(workspace, slug)}/pipelines/${buildNumber}`, pipeline(undefined, buildNumber));

export const listSteps = (c: BitbucketClient, workspace: string, slug: string, pipelineUuid: string) =>
  c.list(`${repo(workspace, slug)}/pipelines/${seg(pipelineUuid)}/steps?pagelen=100`, step);

export const getStepLog = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  pipelineUuid: string,
  stepUuid: string,
) => c.text(`${repo(workspace, slug)}/pipelines/${seg(pipelineUuid)}/steps/${seg(stepUuid)}/log`);
