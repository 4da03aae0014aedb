/** Shared test fixtures: example answers, pure rendering, throw-away folders, the built CLI. */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Answers } from '../../src/core/answers/questions.ts';
import { buildRepoModel, type RepoModel } from '../../src/core/repo/model.ts';
import type { RenderedFile } from '../../src/core/util/rendered-file.ts';
import { resolveAnswers, type AnswerSources } from '../../src/core/answers/resolve.ts';
import { BUILT_IN_TARGETS } from '../../src/core/targets/registry.ts';
import { parseEnvironments } from '../../src/core/answers/validate.ts';
import type { Exercise } from '../../src/core/workshop/types.ts';
import { compileTemplates } from '../../src/render/compile.ts';
import { renderRepository } from '../../src/render/files.ts';
import { exerciseFiles } from '../../src/render/workshop-exercise.ts';
import { PACKAGE_ROOT, TEMPLATES_DIR, templatesDir } from '../../src/paths.ts';

export const ROOT = PACKAGE_ROOT;
export const CLI = join(PACKAGE_ROOT, 'dist/cli.js');
export const SHARED_REFERENCE = join(PACKAGE_ROOT, '..', 'shared', 'reference');
export const EXAMPLE_ANSWERS_FILE = join(PACKAGE_ROOT, 'examples/phub-oidc-check.answers.json');

/** The example's answers, normalised as the CLI would (braces stripped, and so on). */
export const EXAMPLE: Answers = resolveAnswers({
  flags: JSON.parse(readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')) as Record<string, string>,
  env: {},
});

/** Normalised answers: the example with overrides (overrides are taken as given, not validated). */
export function answers(overrides: Partial<Answers> = {}): Answers {
  return { ...EXAMPLE, ...overrides };
}

/** Every generated file of a repository, rendered in memory: path → content. */
export function renderRepo(
  a: Answers = EXAMPLE,
  version = '0.0.0-test',
  options: { existingRepository?: boolean } = {},
): { model: RepoModel; files: Map<string, string> } {
  const model = buildRepoModel(a, undefined, options);
  const rendered = renderRepository(
    model,
    version,
    compileTemplates((p) => readFileSync(join(TEMPLATES_DIR, p), 'utf8')),
  ).files;
  return { model, files: new Map(rendered.map((f) => [f.path, f.content])) };
}

/** The workshop's templates (SUMMARY.md, the facilitator's Terraform, EXERCISE.md), compiled from source. */
export const workshopTemplates = compileTemplates((p) => readFileSync(join(templatesDir('workshop'), p), 'utf8'));

/** The exercise repository `workshop` makes from a repository rendered by renderRepo. */
export function exerciseRepo(exercise: Exercise, model: RepoModel, files: Map<string, string>): RenderedFile[] {
  return exerciseFiles(
    exercise,
    model,
    [...files].map(([path, content]) => ({ path, content })),
    workshopTemplates,
  );
}

export function tempDir(prefix = 'pipelines-oidc-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A git identity for tests that commit: CI machines may have none. */
export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
};

/** Runs the built CLI (npm test builds first) without a terminal. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
    encoding: 'utf8',
    input: '',
  });
}

export function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
}

/** The example answers as CLI flags (name first); an override of undefined leaves that answer (or the name) out. */
export function exampleFlags(overrides: Record<string, string | undefined> = {}): string[] {
  const raw = JSON.parse(readFileSync(EXAMPLE_ANSWERS_FILE, 'utf8')) as Record<string, string | undefined>;
  const flag: Record<string, string> = {
    workspace: 'workspace',
    workspaceUuid: 'workspace-uuid',
    account: 'account',
    region: 'region',
    repoUuid: 'repo-uuid',
    roleName: 'role-name',
    iac: 'iac',
    auth: 'auth',
    target: 'target',
  };
  const merged = { ...raw, ...overrides };
  const out = merged['name'] === undefined ? [] : [merged['name']];
  for (const [k, f] of Object.entries(flag)) if (merged[k] !== undefined) out.push(`--${f}`, merged[k]!);
  return out;
}

/**
 * The example's workspace, account, region, repository UUID and --iac as flags: where the repository stands.
 * Its name, role name, auth and target are left to the caller (the role name then follows the name).
 */
export function exampleAnswerFlags(overrides: Record<string, string | undefined> = {}): string[] {
  return exampleFlags({ name: undefined, roleName: undefined, auth: undefined, target: undefined, ...overrides });
}

/** A workshop's answers as `workshop` reads them: where the attendees' repositories stand, nothing else. */
export const WORKSHOP_SOURCES: AnswerSources = {
  flags: {
    workspace: 'phub',
    workspaceUuid: '7a3e5c1d-2b4f-4e6a-9c8d-1f2e3d4c5b6a',
    account: '123456789012',
    region: 'eu-west-1',
  },
  env: {},
};

/** WORKSHOP_SOURCES as the CLI's flags. */
export const WORKSHOP_FLAGS: string[] = Object.entries(WORKSHOP_SOURCES.flags).flatMap(([k, v]) => [
  `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  v!,
]);

/** Deployment environments' UUIDs as Bitbucket gives them (without braces), by the names the tests use. */
export const ENVIRONMENT_UUIDS: Readonly<Record<string, string>> = {
  test: '1a2b3c4d-0001-4a00-8000-00000000000a',
  staging: '1a2b3c4d-0002-4b00-9000-00000000000b',
  production: '1a2b3c4d-0003-4c00-a000-00000000000c',
};

/** A pipeline step's UUID, braced as a token's `sub` carries it. */
export const STEP_UUID = '{5f0c8b2e-9d41-4c7a-b3e6-2a1d0c9b8e7f}';

/** Two deployment environments, as flags: test first, then production. */
export const TEST_AND_PRODUCTION = [
  '--environment',
  'test=11111111-2222-4333-8444-555555555555',
  '--environment',
  'production=21111111-2222-4333-8444-555555555555',
];

/** Every built-in target question's example; a per-environment question once for each environment given. */
export function targetExamples(environments = ''): Record<string, string> {
  const names = parseEnvironments(environments).map((e) => e.name);
  return Object.fromEntries(
    BUILT_IN_TARGETS.flatMap((t) =>
      t.questions.flatMap((q) =>
        q.perEnvironment && names.length ? names.map((e) => [`${q.name}.${e}`, q.example]) : [[q.name, q.example]],
      ),
    ),
  );
}

/** A release runs in the last stage only: with several environments the handshake check gives the others a step. */
export function withStages(target: string, environments: string): string {
  const releasesOnly = target.split(',').every((id) => {
    const t = BUILT_IN_TARGETS.find((d) => d.id === id);
    return t?.release || t?.build;
  });
  return releasesOnly && parseEnvironments(environments).length > 1 ? `sts-check,${target}` : target;
}
