/**
 * Rendering: one Handlebars template per generated file, filled from the template context with the
 * serialising helpers. Pure: template sources come in through `readTemplate`.
 */
import Handlebars from 'handlebars';
import { helpers } from './helpers.js';
import type { TemplateContext } from './view.js';

export interface RenderedFile {
  path: string;
  content: string;
}

/** Template file for an output path: `.gitignore` ships as `_gitignore.hbs` (npm drops dot-files). */
export function templatePathFor(path: string): string {
  return `${path.replace(/(^|\/)\./, '$1_')}.hbs`;
}

let instance: typeof Handlebars | undefined;

/** A Handlebars instance with our helpers only; strict, so a misspelt field is an error, not a blank. */
function handlebars(): typeof Handlebars {
  if (!instance) {
    instance = Handlebars.create();
    for (const [name, fn] of Object.entries(helpers)) instance.registerHelper(name, fn as Handlebars.HelperDelegate);
  }
  return instance;
}

export function renderTemplate(source: string, context: TemplateContext): string {
  return handlebars().compile(source, { strict: true })(context);
}

export function renderFiles(paths: string[], context: TemplateContext, readTemplate: (templatePath: string) => string): RenderedFile[] {
  return paths.map((path) => ({ path, content: renderTemplate(readTemplate(templatePathFor(path)), context) }));
}
