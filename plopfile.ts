/**
 * plop's entry point: the `repo` generator and the helpers that `pipelines-oidc new` runs, loaded built
 * from dist/ (`npm run build`), the one form every supported Node can load. plop 4 loads this file itself
 * only where Node strips types (22.18+); `npm run plop` loads it on any Node.
 */
import type { NodePlopAPI } from 'node-plop';

// a path in a variable: the build may not exist yet when this file is type-checked, and it has no declarations
const GENERATORS = './dist/generator.js';

export default async function plopfile(plop: NodePlopAPI): Promise<void> {
  const { default: registerGenerators } = (await import(GENERATORS)) as typeof import('./src/generator.ts');
  registerGenerators(plop);
}
