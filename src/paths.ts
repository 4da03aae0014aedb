import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root, from `src/` (tests, plop) and from `dist/` (the installed CLI) alike. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The folders of templates/: `repo` for a generated repository, `workshop` for what only a workshop writes. */
export type TemplateSet = 'repo' | 'workshop';

export const templatesDir = (set: TemplateSet) => `${PACKAGE_ROOT}templates/${set}`;

export const TEMPLATES_DIR = templatesDir('repo');

export function toolVersion(): string {
  return (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }).version;
}
