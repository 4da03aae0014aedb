import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root, from `src/` (tests, plop) and from `dist/` (the installed CLI) alike. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const TEMPLATES_DIR = `${PACKAGE_ROOT}templates/repo`;

export function toolVersion(): string {
  return (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }).version;
}
