/**
 * The Bitbucket resources the OIDC setup reads and writes, one function per route of the REST API 2.0,
 * each returning only the fields we use. UUIDs are returned as Bitbucket sends them (with braces).
 */
import type { BitbucketClient } from './client.js';

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
}

export interface ApiStep {
  uuid: string;
  name?: string;
  state: ApiState;
}

const seg = encodeURIComponent;
const repo = (workspace: string, slug: string) => `/repositories/${seg(workspace)}/${seg(slug)}`;

export const getWorkspace = (c: BitbucketClient, workspace: string) =>
  c.find<{ uuid: string; slug: string }>(`/workspaces/${seg(workspace)}`);

/** Every repository of the workspace the token can see (one call per 100). */
export const listRepositories = (c: BitbucketClient, workspace: string) =>
  c.list<ApiRepository & { slug: string }>(`/repositories/${seg(workspace)}?pagelen=100`);

export const getRepository = (c: BitbucketClient, workspace: string, slug: string) =>
  c.find<ApiRepository>(repo(workspace, slug));

export const createRepository = (c: BitbucketClient, workspace: string, slug: string, project: string | undefined) =>
  c.send<ApiRepository>('POST', repo(workspace, slug), {
    scm: 'git',
    is_private: true,
    ...(project ? { project: { key: project } } : {}),
  });

export const getPipelinesConfig = (c: BitbucketClient, workspace: string, slug: string) =>
  c.find<{ enabled?: boolean }>(`${repo(workspace, slug)}/pipelines_config`);

export const enablePipelines = (c: BitbucketClient, workspace: string, slug: string) =>
  c.send<{ enabled: boolean }>('PUT', `${repo(workspace, slug)}/pipelines_config`, { enabled: true });

export const listVariables = (c: BitbucketClient, workspace: string, slug: string) =>
  c.list<ApiVariable>(`${repo(workspace, slug)}/pipelines_config/variables?pagelen=100`);

export const createVariable = (c: BitbucketClient, workspace: string, slug: string, key: string, value: string) =>
  c.send<ApiVariable>('POST', `${repo(workspace, slug)}/pipelines_config/variables`, { key, value, secured: false });

export const updateVariable = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  uuid: string,
  key: string,
  value: string,
) =>
  c.send<ApiVariable>('PUT', `${repo(workspace, slug)}/pipelines_config/variables/${seg(uuid)}`, {
    key,
    value,
    secured: false,
  });

export const listEnvironments = (c: BitbucketClient, workspace: string, slug: string) =>
  c.list<ApiEnvironment>(`${repo(workspace, slug)}/environments?pagelen=100`);

export const createEnvironment = (c: BitbucketClient, workspace: string, slug: string, name: string, type: string) =>
  c.send<ApiEnvironment>('POST', `${repo(workspace, slug)}/environments`, {
    type: 'deployment_environment',
    name,
    environment_type: { type: 'deployment_environment_type', name: type },
  });

const deploymentVariables = (workspace: string, slug: string, environmentUuid: string) =>
  `${repo(workspace, slug)}/deployments_config/environments/${seg(environmentUuid)}/variables`;

export const listDeploymentVariables = (c: BitbucketClient, workspace: string, slug: string, environmentUuid: string) =>
  c.list<ApiVariable>(`${deploymentVariables(workspace, slug, environmentUuid)}?pagelen=100`);

export const createDeploymentVariable = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  environmentUuid: string,
  key: string,
  value: string,
) => c.send<ApiVariable>('POST', deploymentVariables(workspace, slug, environmentUuid), { key, value, secured: false });

export const updateDeploymentVariable = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  environmentUuid: string,
  uuid: string,
  key: string,
  value: string,
) =>
  c.send<ApiVariable>('PUT', `${deploymentVariables(workspace, slug, environmentUuid)}/${seg(uuid)}`, {
    key,
    value,
    secured: false,
  });

export const triggerPipeline = (c: BitbucketClient, workspace: string, slug: string, target: unknown) =>
  c.send<ApiPipeline>('POST', `${repo(workspace, slug)}/pipelines`, { target });

export const getPipeline = (c: BitbucketClient, workspace: string, slug: string, uuid: string) =>
  c.get<ApiPipeline>(`${repo(workspace, slug)}/pipelines/${seg(uuid)}`);

export const listSteps = (c: BitbucketClient, workspace: string, slug: string, pipelineUuid: string) =>
  c.list<ApiStep>(`${repo(workspace, slug)}/pipelines/${seg(pipelineUuid)}/steps?pagelen=100`);

export const getStepLog = (
  c: BitbucketClient,
  workspace: string,
  slug: string,
  pipelineUuid: string,
  stepUuid: string,
) => c.text(`${repo(workspace, slug)}/pipelines/${seg(pipelineUuid)}/steps/${seg(stepUuid)}/log`);
