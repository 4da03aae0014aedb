/**
 * Templates compiled from source with the full Handlebars compiler: for tests, plop, and a run from
 * source. The installed CLI loads templates precompiled at build time instead (io/templates.ts).
 */
import Handlebars from 'handlebars';
import type { Template, TemplateLookup } from './files.js';
import { withHelpers } from './compile-helpers.js';

/** Options shared with the build-time precompiler: strict, so a misspelt field is an error, not a blank. */
export const COMPILE_OPTIONS = { strict: true } as const;

let instance: typeof Handlebars | undefined;

export function compileTemplates(readSource: (name: string) => string): TemplateLookup {
  instance ??= withHelpers(Handlebars.create());
  const cache = new Map<string, Template<never>>();
  return <Context>(name: string) => {
    let t = cache.get(name);
    if (!t) cache.set(name, (t = instance!.compile(readSource(name), COMPILE_OPTIONS)));
    return t as Template<Context>;
  };
}
