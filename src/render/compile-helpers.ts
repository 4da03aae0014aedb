import type Handlebars from 'handlebars';
import { helpers } from './helpers.js';

/** Registers our serialising helpers, and only those, on a Handlebars (or runtime-only) instance. */
export function withHelpers(hbs: typeof Handlebars): typeof Handlebars {
  for (const [name, fn] of Object.entries(helpers)) hbs.registerHelper(name, fn as Handlebars.HelperDelegate);
  return hbs;
}
