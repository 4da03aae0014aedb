/**
 * The templates of a folder of templates/: precompiled at build time when running from dist/ (only the
 * small Handlebars runtime is loaded), compiled from source otherwise.
 */
import { readFileSync } from 'node:fs';
import { templatesDir, type TemplateSet } from '../paths.js';
import type { Template, TemplateLookup } from '../render/files.js';

export function readTemplateSource(set: TemplateSet, name: string): string {
  return readFileSync(`${templatesDir(set)}/${name}`, 'utf8');
}

type Precompiled = Record<TemplateSet, Record<string, unknown>>;

export async function loadTemplates(set: TemplateSet = 'repo'): Promise<TemplateLookup> {
  const built = await import(new URL('../templates.js', import.meta.url).href).then(
    (m: { default: Precompiled }) => m.default[set],
    () => undefined,
  );
  if (!built) return (await import('../render/compile.js')).compileTemplates((name) => readTemplateSource(set, name));
  // the runtime is Handlebars without the compiler; its typings omit the default export's shape
  const runtime = (await import('handlebars/runtime.js')).default as unknown as typeof import('handlebars');
  const { withHelpers } = await import('../render/compile-helpers.js');
  const hbs = withHelpers(runtime.create());
  const cache = new Map<string, Template<never>>();
  return <Context>(name: string) => {
    let t = cache.get(name);
    if (!t) {
      const spec = built[name];
      if (!spec) throw new Error(`template ${set}/${name} is missing from the build; run npm run build`);
      cache.set(name, (t = hbs.template(spec as Parameters<typeof hbs.template>[0])));
    }
    return t as Template<Context>;
  };
}
