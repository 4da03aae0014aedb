/**
 * plop's entry point: registers the same `repo` generator and helpers that `pipelines-oidc new` runs.
 * Run it with `npm run plop -- repo` (plop needs tsx to load a TypeScript plopfile on Node 20).
 */
import type { NodePlopAPI } from 'node-plop';
import { GENERATOR_NAME, plopGenerator } from './src/generator.ts';
import { helpers } from './src/render/helpers.ts';
import { TEMPLATES_DIR, toolVersion } from './src/paths.ts';

export default function (plop: NodePlopAPI): void {
  for (const [name, fn] of Object.entries(helpers)) plop.setHelper(name, fn as Parameters<NodePlopAPI['setHelper']>[1]);
  plop.setGenerator(
    GENERATOR_NAME,
    plopGenerator(toolVersion(), TEMPLATES_DIR) as Parameters<NodePlopAPI['setGenerator']>[1],
  );
}
