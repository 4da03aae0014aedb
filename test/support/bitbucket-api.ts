/**
 * A local stand-in for Bitbucket Cloud's REST API 2.0 on 127.0.0.1, following the request and response
 * shapes of Atlassian's API reference for the routes the OIDC setup uses:
 * - `GET /2.0/workspaces/{ws}` (uuid with braces);
 * - `GET /2.0/repositories/{ws}` (the workspace's repositories, paginated);
 * - `GET|POST /2.0/repositories/{ws}/{slug}` (POST creates: `{scm, is_private, project: {key}}`; 400 when it exists);
 * - `GET|PUT …/pipelines_config` (`{enabled}`);
 * - `GET|POST …/pipelines_config/variables`, `PUT …/variables/{uuid}` (201 on create, 409 on a duplicate key;
 *   a secured variable is listed without its value; variables need Pipelines enabled);
 * - `GET|POST …/environments` (`{name, environment_type: {name}}`, 201; 409 on a duplicate name);
 * - `GET|POST …/deployments_config/environments/{env}/variables`, `PUT …/variables/{uuid}`;
 * - `POST …/pipelines` (a `pipeline_ref_target` with a custom selector, 201), `GET …/pipelines/{uuid}`
 *   (PENDING → IN_PROGRESS → COMPLETED with a result), `GET …/steps`, `GET …/steps/{uuid}/log` (a 307 to
 *   log storage, served without credentials, as Bitbucket does);
 * - `GET /2.0/workspaces/{ws}/pipelines-config/identity/oidc/.well-known/openid-configuration`.
 * Lists are paginated (`values`, `page`, `pagelen`, `size`, `next`; `pagelen` capped by `maxPagelen`); errors are
 * `{type: "error", error: {message, detail}}`, a 403 for scopes listing `detail.required`; 429 carries Retry-After.
 * Authentication: HTTP Basic (email + API token) or Bearer (access token), exactly one credential accepted.
 * `misbehave` answers one request raw (redirects, bodies that are not JSON, resets) for the hostile tests.
 * Not covered: webhooks, permissions, branch restrictions, OAuth, anything else of the API.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeVariable {
  uuid: string;
  key: string;
  value: string;
  secured: boolean;
}

export interface FakeEnvironment {
  uuid: string;
  name: string;
  type: string;
  variables: FakeVariable[];
}

export interface FakeRepository {
  uuid: string;
  workspace: string;
  slug: string;
  isPrivate: boolean;
  project?: string;
  pipelinesEnabled: boolean;
  variables: FakeVariable[];
  environments: FakeEnvironment[];
}

/** What a triggered pipeline does: each step's result and log; `stuck`: the state it stays in, never completing. */
export interface PipelineOutcome {
  steps: Array<{ name: string; result: 'SUCCESSFUL' | 'FAILED'; log: string }>;
  stuck?: { name: string; stage?: string };
}

/** A raw answer, for an API that misbehaves: the request is recorded, then handed over as it is. */
export type RawAnswer = (req: IncomingMessage, res: ServerResponse) => void;

/** An outcome decided when the pipeline is triggered, from the repository and its first step's UUID. */
export interface PipelineRun {
  repository: FakeRepository;
  stepUuid: string;
  branch: string;
}
export type PipelineRunner = PipelineOutcome | ((run: PipelineRun) => PipelineOutcome);

export interface FakePipeline {
  uuid: string;
  buildNumber: number;
  repository: string;
  target: unknown;
  polls: number;
  outcome: PipelineOutcome;
  stepUuids: string[];
}

export interface ApiCall {
  method: string;
  /** Path without the `/2.0` prefix and without the query. */
  path: string;
  query: string;
  status: number;
  authorization?: string;
  body?: unknown;
}

export type Credential = { email: string; token: string } | { accessToken: string };

export interface BitbucketApi {
  /** `http://127.0.0.1:PORT/2.0`: the value for BITBUCKET_API_URL. */
  url: string;
  calls: ApiCall[];
  /** Calls that change something (not GET), answered or not. */
  writes(): ApiCall[];
  workspaces: Map<string, { uuid: string }>;
  repositories: Map<string, FakeRepository>;
  pipelines: FakePipeline[];
  addWorkspace(slug: string, uuid: string): void;
  addRepository(
    workspace: string,
    slug: string,
    uuid: string,
    options?: { pipelinesEnabled?: boolean },
  ): FakeRepository;
  /** Scopes the credential has; undefined: all. A route needing another answers 403 listing it. */
  grant(scopes: string[] | undefined): void;
  /** The next `times` requests matching answer 429 with `Retry-After: seconds`. */
  throttle(method: string, path: RegExp, times: number, seconds: number): void;
  /** The next request matching answers `status` with an error document. */
  failNext(method: string, path: RegExp, status: number, message: string): void;
  /** What the next triggered pipeline does. */
  nextPipeline(outcome: PipelineRunner): void;
  /** The next request matching is answered by `answer` (a redirect, a body that is not JSON, a reset…). */
  misbehave(method: string, path: RegExp, answer: RawAnswer): void;
  reset(): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const braced = () => `{${randomUUID()}}`;
const sameUuid = (a: string, b: string) =>
  a.replace(/[{}]/g, '').toLowerCase() === b.replace(/[{}]/g, '').toLowerCase();

/** The scope each route needs, as the API reference names them for API tokens. */
function scopeOf(method: string, path: string): string {
  if (/\/pipelines_config\/variables|\/deployments_config\//.test(path))
    return method === 'GET' ? 'read:pipeline:bitbucket' : 'admin:pipeline:bitbucket';
  if (/\/pipelines_config$/.test(path))
    return method === 'GET' ? 'read:pipeline:bitbucket' : 'admin:pipeline:bitbucket';
  if (/\/environments$/.test(path)) return method === 'GET' ? 'read:pipeline:bitbucket' : 'admin:pipeline:bitbucket';
  if (/\/pipelines(\/|$)/.test(path)) return method === 'GET' ? 'read:pipeline:bitbucket' : 'write:pipeline:bitbucket';
  if (/^\/repositories\/[^/]+$/.test(path)) return 'read:repository:bitbucket';
  if (/^\/repositories\/[^/]+\/[^/]+$/.test(path))
    return method === 'GET' ? 'read:repository:bitbucket' : 'admin:repository:bitbucket';
  return 'read:workspace:bitbucket';
}

export async function startBitbucketApi(options: {
  credential: Credential;
  maxPagelen?: number;
  cloneUrl?: (workspace: string, slug: string) => string;
}): Promise<BitbucketApi> {
  const workspaces = new Map<string, { uuid: string }>();
  const repositories = new Map<string, FakeRepository>();
  const pipelines: FakePipeline[] = [];
  const logs = new Map<string, string>();
  const calls: ApiCall[] = [];
  let granted: string[] | undefined;
  let throttles: Array<{ method: string; path: RegExp; times: number; seconds: number }> = [];
  let failures: Array<{ method: string; path: RegExp; status: number; message: string }> = [];
  let outcomes: PipelineRunner[] = [];
  let rawAnswers: Array<{ method: string; path: RegExp; answer: RawAnswer }> = [];
  const maxPagelen = options.maxPagelen ?? 100;
  const expected =
    'accessToken' in options.credential
      ? `Bearer ${options.credential.accessToken}`
      : `Basic ${Buffer.from(`${options.credential.email}:${options.credential.token}`).toString('base64')}`;
  let base = '';

  const repoJson = (r: FakeRepository) => ({
    type: 'repository',
    uuid: r.uuid,
    full_name: `${r.workspace}/${r.slug}`,
    slug: r.slug,
    is_private: r.isPrivate,
    scm: 'git',
    ...(r.project ? { project: { type: 'project', key: r.project } } : {}),
    links: {
      clone: [
        {
          name: 'https',
          href: options.cloneUrl
            ? options.cloneUrl(r.workspace, r.slug)
            : `https://bitbucket.org/${r.workspace}/${r.slug}.git`,
        },
        { name: 'ssh', href: `git@bitbucket.org:${r.workspace}/${r.slug}.git` },
      ],
    },
  });
  const variableJson = (v: FakeVariable) => ({
    type: 'pipeline_variable',
    uuid: v.uuid,
    key: v.key,
    secured: v.secured,
    ...(v.secured ? {} : { value: v.value }),
  });
  const environmentJson = (e: FakeEnvironment) => ({
    type: 'deployment_environment',
    uuid: e.uuid,
    name: e.name,
    slug: e.name,
    environment_type: {
      type: 'deployment_environment_type',
      name: e.type,
      rank: ['Test', 'Staging', 'Production'].indexOf(e.type),
    },
  });

  function page(items: unknown[], path: string, query: URLSearchParams) {
    const pagelen = Math.min(Number(query.get('pagelen') ?? 10) || 10, maxPagelen);
    const number = Number(query.get('page') ?? 1) || 1;
    const values = items.slice((number - 1) * pagelen, number * pagelen);
    const next = number * pagelen < items.length ? `${base}${path}?pagelen=${pagelen}&page=${number + 1}` : undefined;
    return { pagelen, size: items.length, page: number, values, ...(next ? { next } : {}) };
  }

  function repoOf(ws: string, slug: string): FakeRepository {
    const r = repositories.get(`${ws}/${slug}`);
    if (!r) throw new ApiError(404, `Repository ${ws}/${slug} not found`);
    return r;
  }

  function body(raw: string): Record<string, unknown> {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new ApiError(400, 'Request body is not valid JSON');
    }
  }

  function variables(
    list: FakeVariable[],
    method: string,
    id: string | undefined,
    raw: string,
    path: string,
    query: URLSearchParams,
  ): [number, unknown] {
    if (method === 'GET' && !id) return [200, page(list.map(variableJson), path, query)];
    const b = body(raw);
    if (typeof b['key'] !== 'string' || typeof b['value'] !== 'string')
      throw new ApiError(400, 'key and value are required');
    if (method === 'POST' && !id) {
      if (list.some((v) => v.key === b['key']))
        throw new ApiError(409, `A variable with the key ${String(b['key'])} already exists`);
      const v = { uuid: braced(), key: b['key'], value: b['value'], secured: Boolean(b['secured']) };
      list.push(v);
      return [201, variableJson(v)];
    }
    if (method === 'PUT' && id) {
      const v = list.find((x) => sameUuid(x.uuid, id));
      if (!v) throw new ApiError(404, 'Variable not found');
      Object.assign(v, { key: b['key'], value: b['value'], secured: Boolean(b['secured']) });
      return [200, variableJson(v)];
    }
    throw new ApiError(405, 'Method not allowed');
  }

  function route(method: string, path: string, query: URLSearchParams, raw: string): [number, unknown] {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'workspaces' && parts.length === 2 && method === 'GET') {
      const ws = workspaces.get(parts[1]!);
      if (!ws) throw new ApiError(404, `No workspace with identifier '${parts[1]}'.`);
      return [200, { type: 'workspace', uuid: ws.uuid, slug: parts[1], name: parts[1] }];
    }
    if (parts[0] === 'repositories' && parts.length === 2 && method === 'GET') {
      if (!workspaces.has(parts[1]!)) throw new ApiError(404, `No workspace with identifier '${parts[1]}'.`);
      return [200, page([...repositories.values()].filter((r) => r.workspace === parts[1]).map(repoJson), path, query)];
    }
    if (parts[0] !== 'repositories' || parts.length < 3) throw new ApiError(404, 'Resource not found');
    const [, ws, slug, ...rest] = parts as [string, string, string, ...string[]];
    if (rest.length === 0) {
      if (method === 'GET') return [200, repoJson(repoOf(ws, slug))];
      if (method === 'POST') {
        if (!workspaces.has(ws)) throw new ApiError(404, `No workspace with identifier '${ws}'.`);
        if (repositories.has(`${ws}/${slug}`))
          throw new ApiError(400, 'Repository with this Slug and Owner already exists.');
        const b = body(raw);
        const project = (b['project'] as { key?: string } | undefined)?.key;
        const r: FakeRepository = {
          uuid: braced(),
          workspace: ws,
          slug,
          isPrivate: b['is_private'] !== false,
          ...(project ? { project } : {}),
          pipelinesEnabled: false,
          variables: [],
          environments: [],
        };
        repositories.set(`${ws}/${slug}`, r);
        return [200, repoJson(r)];
      }
    }
    const repo = repoOf(ws, slug);
    const [a, b2, c, d, e] = rest;
    if (a === 'pipelines_config' && rest.length === 1) {
      if (method === 'PUT') repo.pipelinesEnabled = Boolean(body(raw)['enabled']);
      return [200, { type: 'repository_pipelines_configuration', enabled: repo.pipelinesEnabled }];
    }
    if (a === 'pipelines_config' && b2 === 'variables') {
      if (!repo.pipelinesEnabled) throw new ApiError(404, 'Pipelines is not enabled for this repository');
      return variables(repo.variables, method, c, raw, path, query);
    }
    if (a === 'environments' && rest.length === 1) {
      if (method === 'GET') return [200, page(repo.environments.map(environmentJson), path, query)];
      const bb = body(raw);
      const name = String(bb['name'] ?? '');
      const type = (bb['environment_type'] as { name?: string } | undefined)?.name ?? '';
      if (!name || !['Test', 'Staging', 'Production'].includes(type))
        throw new ApiError(400, 'name and environment_type.name (Test, Staging, Production) are required');
      if (repo.environments.some((x) => x.name.toLowerCase() === name.toLowerCase()))
        throw new ApiError(409, `Environment with name ${name} already exists.`);
      const env = { uuid: braced(), name, type, variables: [] };
      repo.environments.push(env);
      return [201, environmentJson(env)];
    }
    if (a === 'deployments_config' && b2 === 'environments' && c && d === 'variables') {
      const env = repo.environments.find((x) => sameUuid(x.uuid, c));
      if (!env) throw new ApiError(404, 'Environment not found');
      return variables(env.variables, method, e, raw, path, query);
    }
    if (a === 'pipelines' && rest.length === 1 && method === 'POST') {
      const target = body(raw)['target'] as
        { type?: string; ref_name?: string; selector?: { type?: string; pattern?: string } } | undefined;
      if (
        target?.type !== 'pipeline_ref_target' ||
        !target.ref_name ||
        target.selector?.type !== 'custom' ||
        !target.selector.pattern
      )
        throw new ApiError(400, 'target must be a pipeline_ref_target with a custom selector');
      const runner = outcomes.shift() ?? {
        steps: [{ name: 'Check the AWS OIDC role', result: 'SUCCESSFUL', log: 'Signed in as ok\n' }],
      };
      const first = braced();
      const outcome =
        typeof runner === 'function' ? runner({ repository: repo, stepUuid: first, branch: target.ref_name }) : runner;
      const p: FakePipeline = {
        uuid: braced(),
        buildNumber: pipelines.length + 1,
        repository: `${ws}/${slug}`,
        target,
        polls: 0,
        outcome,
        stepUuids: outcome.steps.map((_, i) => (i === 0 ? first : braced())),
      };
      pipelines.push(p);
      return [201, pipelineJson(p)];
    }
    if (a === 'pipelines' && b2) {
      // Bitbucket answers a build number in place of the UUID too
      const p = pipelines.find(
        (x) => (sameUuid(x.uuid, b2) || String(x.buildNumber) === b2) && x.repository === `${ws}/${slug}`,
      );
      if (!p) throw new ApiError(404, 'Pipeline not found');
      if (rest.length === 2) {
        p.polls++;
        return [200, pipelineJson(p)];
      }
      if (c === 'steps' && !d)
        return [
          200,
          page(
            p.outcome.steps.map((s, i) => ({
              type: 'pipeline_step',
              uuid: p.stepUuids[i],
              name: s.name,
              state: { type: 'pipeline_step_state_completed', name: 'COMPLETED', result: { name: s.result } },
            })),
            path,
            query,
          ),
        ];
      if (c === 'steps' && d && e === 'log') {
        const i = p.stepUuids.findIndex((u) => sameUuid(u, d));
        if (i < 0) throw new ApiError(404, 'Step not found');
        const id = randomUUID();
        logs.set(id, p.outcome.steps[i]!.log);
        throw new ApiError(307, 'redirect', undefined, { location: `/log-storage/${id}` });
      }
    }
    throw new ApiError(404, 'Resource not found');
  }

  function pipelineJson(p: FakePipeline) {
    const { stuck } = p.outcome;
    if (stuck)
      return {
        type: 'pipeline',
        uuid: p.uuid,
        build_number: p.buildNumber,
        target: p.target,
        state: {
          type: 'pipeline_state_in_progress',
          name: stuck.name,
          ...(stuck.stage ? { stage: { name: stuck.stage } } : {}),
        },
      };
    const done = p.polls >= 2;
    const failed = p.outcome.steps.some((s) => s.result !== 'SUCCESSFUL');
    const state = done
      ? {
          type: 'pipeline_state_completed',
          name: 'COMPLETED',
          result: {
            type: failed ? 'pipeline_state_completed_failed' : 'pipeline_state_completed_successful',
            name: failed ? 'FAILED' : 'SUCCESSFUL',
          },
        }
      : p.polls === 0
        ? { type: 'pipeline_state_pending', name: 'PENDING' }
        : { type: 'pipeline_state_in_progress', name: 'IN_PROGRESS', stage: { name: 'RUNNING' } };
    return { type: 'pipeline', uuid: p.uuid, build_number: p.buildNumber, target: p.target, state };
  }

  function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(payload === undefined ? '' : JSON.stringify(payload));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/log-storage/')) {
      // served by storage, not the API: no credentials expected, none must be sent
      calls.push({
        method: req.method ?? '',
        path: url.pathname,
        query: '',
        status: 200,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(logs.get(url.pathname.slice('/log-storage/'.length)) ?? '');
      return;
    }
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/2\.0/, '').replace(/\/$/, '');
    const call: ApiCall = {
      method,
      path,
      query: url.search,
      status: 0,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    };
    if (raw) {
      try {
        call.body = JSON.parse(raw);
      } catch {
        call.body = raw;
      }
    }
    calls.push(call);
    const misbehaving = rawAnswers.find((r) => r.method === method && r.path.test(path));
    if (misbehaving) {
      rawAnswers = rawAnswers.filter((r) => r !== misbehaving);
      return misbehaving.answer(req, res);
    }
    try {
      const issuer =
        /^\/workspaces\/([^/]+)\/pipelines-config\/identity\/oidc\/\.well-known\/openid-configuration$/.exec(path);
      if (issuer && method === 'GET') {
        if (!workspaces.has(issuer[1]!)) throw new ApiError(404, 'Not found');
        const iss = `https://api.bitbucket.org/2.0/workspaces/${issuer[1]}/pipelines-config/identity/oidc`;
        call.status = 200;
        return send(res, 200, {
          issuer: iss,
          jwks_uri: `${iss}/keys.json`,
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.headers.authorization !== expected) throw new ApiError(401, 'Unauthorized');
      const throttle = throttles.find((t) => t.method === method && t.path.test(path) && t.times > 0);
      if (throttle) {
        throttle.times--;
        throw new ApiError(429, 'Rate limit for this resource has been exceeded', undefined, {
          'retry-after': String(throttle.seconds),
        });
      }
      const failure = failures.find((f) => f.method === method && f.path.test(path));
      if (failure) {
        failures = failures.filter((f) => f !== failure);
        throw new ApiError(failure.status, failure.message);
      }
      const scope = scopeOf(method, path);
      if (granted && !granted.includes(scope))
        throw new ApiError(403, 'Your credentials lack one or more required privilege scopes.', {
          required: [scope],
          granted,
        });
      const [status, payload] = route(method, path, url.searchParams, raw);
      call.status = status;
      send(res, status, payload);
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError(500, String(error));
      call.status = e.status;
      if (e.status === 307) return send(res, 307, undefined, e.headers);
      send(
        res,
        e.status,
        { type: 'error', error: { message: e.message, ...(e.detail ? { detail: e.detail } : {}) } },
        e.headers,
      );
    }
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2.0`;

  return {
    url: base,
    calls,
    writes: () => calls.filter((c) => c.method !== 'GET'),
    workspaces,
    repositories,
    pipelines,
    addWorkspace: (slug, uuid) => void workspaces.set(slug, { uuid }),
    addRepository(workspace, slug, uuid, opts = {}) {
      const r: FakeRepository = {
        uuid,
        workspace,
        slug,
        isPrivate: true,
        pipelinesEnabled: opts.pipelinesEnabled ?? false,
        variables: [],
        environments: [],
      };
      repositories.set(`${workspace}/${slug}`, r);
      return r;
    },
    grant: (scopes) => void (granted = scopes),
    throttle: (method, path, times, seconds) => void throttles.push({ method, path, times, seconds }),
    failNext: (method, path, status, message) => void failures.push({ method, path, status, message }),
    nextPipeline: (outcome) => void outcomes.push(outcome),
    misbehave: (method, path, answer) => void rawAnswers.push({ method, path, answer }),
    reset() {
      workspaces.clear();
      repositories.clear();
      pipelines.length = 0;
      calls.length = 0;
      granted = undefined;
      throttles = [];
      failures = [];
      outcomes = [];
      rawAnswers = [];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** The environment of a CLI run against `api` with an API token (and no AWS region of the caller's). */
export const apiTokenEnv = (api: BitbucketApi, email: string, token: string) => ({
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  BITBUCKET_API_URL: api.url,
  BITBUCKET_EMAIL: email,
  BITBUCKET_API_TOKEN: token,
  BITBUCKET_ACCESS_TOKEN: undefined,
});

/** The environment of a CLI run against `api` with an access token (and no API token or email of the caller's). */
export const accessTokenEnv = (api: BitbucketApi, token: string) => ({
  BITBUCKET_API_URL: api.url,
  BITBUCKET_ACCESS_TOKEN: token,
  BITBUCKET_EMAIL: undefined,
  BITBUCKET_API_TOKEN: undefined,
});

/** The API as a test starts: nothing but the workspace `slug` (its UUID given without braces). */
export function onlyWorkspace(api: BitbucketApi, slug: string, uuid: string): void {
  api.reset();
  api.addWorkspace(slug, `{${uuid}}`);
}
