/**
 * plop's entry point: registers the same `repo` generator and helpers that `pipelines-oidc new` runs.
 * Built to dist/plopfile.js, which the package ships: plop 4 cannot load a TypeScript plopfile on Node 20.
 */
import type { NodePlopAPI } from 'node-plop';
import { GENERATOR_NAME, plopGenerator } from './generator.js';
import { helpers } from './render/helpers.js';
import { TEMPLATES_DIR, toolVersion } from './paths.js';

export default function (plop: NodePlopAPI): void {
  for (const [name, fn] of Object.entries(helpers)) plop.setHelper(name, fn as Parameters<NodePlopAPI['setHelper']>[1]);
  plop.setGenerator(
    GENERATOR_NAME,
    plopGenerator(toolVersion(), TEMPLATES_DIR) as Parameters<NodePlopAPI['setGenerator']>[1],
  );
}
