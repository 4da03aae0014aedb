/**
 * Git for tests, cut off from the machine: an empty HOME and global config, no system config, and
 * the identity given explicitly (or none at all).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GIT_IDENTITY } from './fixtures.ts';

export type Env = Record<string, string | undefined>;

/** Variables that would point git at another repository or identity when the tests run inside a hook. */
const INHERITED: Env = Object.fromEntries(
  [
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_OBJECT_DIRECTORY',
    'GIT_ALTERNATE_OBJECT_DIRECTORIES',
    'GIT_AUTHOR_NAME',
    'GIT_AUTHOR_EMAIL',
    'GIT_COMMITTER_NAME',
    'GIT_COMMITTER_EMAIL',
    'EMAIL',
    'GIT_CONFIG_COUNT',
    'GIT_CONFIG_PARAMETERS',
    'XDG_CONFIG_HOME',
  ].map((k) => [k, undefined]),
);

/**
 * The environment for git (and the CLI) with `home` as an empty HOME. Without an identity, git is also
 * told not to guess one from the host name (`user.useConfigOnly`), which it otherwise may do.
 */
export function isolatedGitEnv(home: string, identity: boolean): Env {
  mkdirSync(home, { recursive: true });
  const globalConfig = join(home, 'empty.gitconfig');
  writeFileSync(globalConfig, '');
  return {
    ...INHERITED,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: globalConfig,
    // repository discovery stops above the test's folder, wherever the temp folder lies
    GIT_CEILING_DIRECTORIES: dirname(home),
    ...(identity
      ? GIT_IDENTITY
      : { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'user.useConfigOnly', GIT_CONFIG_VALUE_0: 'true' }),
  };
}

/** Runs git with `env` over the test process's environment (undefined unsets); returns trimmed stdout. */
export function gitIn(cwd: string, args: string[], env: Env): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}
