/**
 * What leaves a step: the paths of its `artifacts:` (globs, relative to the clone directory) and of its
 * caches (Bitbucket's predefined ones and the file's `definitions.caches`). A file a command writes there
 * is kept after the step, for later steps and for anyone who can download the artifacts.
 */
import { isScalar, type Node, type YAMLMap } from 'yaml';
import { stringsIn } from './pipeline-steps.js';
import type { YamlSource } from './yaml-source.js';

/** Bitbucket's predefined caches and the folder each keeps. */
const PREDEFINED_CACHES: Record<string, string> = {
  composer: '~/.composer/cache',
  dotnetcore: '~/.nuget/packages',
  gradle: '~/.gradle/caches',
  ivy2: '~/.ivy2/cache',
  maven: '~/.m2/repository',
  node: 'node_modules',
  pip: '~/.cache/pip',
  sbt: '~/.sbt',
};

const CLONE_DIR = /^(?:\$\{?BITBUCKET_CLONE_DIR\}?\/|\.\/)+/;

/** A path as the step's clone directory sees it: `./x` and `$BITBUCKET_CLONE_DIR/x` are `x`. */
export const relativePath = (path: string) => path.replace(CLONE_DIR, '');

const globRegex = (glob: string) =>
  new RegExp(
    `^${relativePath(glob)
      .split(/(\*\*\/?|\*|\?)/)
      .map((part) =>
        part.startsWith('**')
          ? '.*'
          : part === '*'
            ? '[^/]*'
            : part === '?'
              ? '[^/]'
              : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('')}$`,
  );

export interface StepOutput {
  kind: 'artifact' | 'cache';
  /** The glob or folder, as the file writes it. */
  pattern: string;
  matches: (path: string) => boolean;
}

/** The artifacts and caches a step keeps. */
export function stepOutputs(src: YamlSource, root: YAMLMap | undefined, step: YAMLMap): StepOutput[] {
  const artifactsNode = src.deref(src.get(step, 'artifacts')?.value);
  const artifactsList = src.map(artifactsNode)
    ? (src.get(src.map(artifactsNode), 'paths')?.value ?? null)
    : artifactsNode;
  const artifacts = stringsIn(src, artifactsList).map((pattern): StepOutput => {
    const regex = globRegex(pattern);
    return { kind: 'artifact', pattern, matches: (path) => regex.test(relativePath(path)) };
  });
  const definitions = src.map(src.get(src.map(src.get(root, 'definitions')?.value), 'caches')?.value);
  const caches = stringsIn(src, src.get(step, 'caches')?.value ?? null).flatMap((name): StepOutput[] => {
    const defined = definitions && src.deref(src.get(definitions, name)?.value);
    const custom = isScalar(defined)
      ? String(defined.value)
      : src.map(defined as Node | null)
        ? stringsIn(src, src.get(src.map(defined as Node | null), 'path')?.value ?? null)[0]
        : undefined;
    const folder = custom ?? PREDEFINED_CACHES[name];
    if (!folder) return [];
    const base = relativePath(folder).replace(/\/+$/, '');
    return [{ kind: 'cache', pattern: folder, matches: (path) => `${relativePath(path)}/`.startsWith(`${base}/`) }];
  });
  return [...artifacts, ...caches];
}
