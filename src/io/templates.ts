/**
 * The repository templates: precompiled at build time when running from dist/ (only the small
 * Handlebars runtime is loaded), compiled from templates/repo otherwise.
 */
import { readFileSync } from 'node:fs';
import { TEMPLATES_DIR } from '../paths.js';
import type { Template } from '../render/files.js';

export function readTemplateSource(name: string): string {
  return readFileSync(`${TEMPLATES_DIR}/${name}`, 'utf8');
}

type Precompiled = Record<string, unknown>;

export async function loadTemplates(): Promise<(name: string) => Template> {
  const built = await import(new URL('../templates.js', import.meta.url).href).then(
    (m: { default: Precompiled }) => m.default,
    () => undefined,
  );
  if (!built) return (await import('../render/compile.js')).compileTemplates(readTemplateSource);
  // the runtime is Handlebars without the compiler; its typings omit the default export's shape
  const runtime = (await import('handlebars/runtime.js')).default as unknown as typeof import('handlebars');
  const { withHelpers } = await import('../render/compile-helpers.js');
  const hbs = withHelpers(runtime.create());
  const cache = new Map<string, Template>();
  return (name) => {
    let t = cache.get(name);
    if (!t) {
      const spec = built[name];
      if (!spec) throw new Error(`template ${name} is missing from the build; run npm run build`);
      cache.set(name, (t = hbs.template(spec as Parameters<typeof hbs.template>[0]) as Template));
    }
    return t;
  };
}
