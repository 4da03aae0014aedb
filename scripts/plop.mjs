// `npm run plop -- repo`: plop's own CLI on the top-level plopfile.ts. plop 4 cannot load a TypeScript
// plopfile on Node 20 and then exits 0 having done nothing, so plop runs with tsx's loader, and the
// plopfile is loaded here first: a broken one fails loudly.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
import nodePlop from 'node-plop';

const root = fileURLToPath(new URL('..', import.meta.url));
const plopfile = `${root}plopfile.ts`;
register();
const generators = (await nodePlop(plopfile)).getGeneratorList();
if (!generators.length) throw new Error('plopfile.ts registers no generator');

const args = process.argv.slice(2);
const plop = spawnSync(
  process.execPath,
  [
    '--import',
    import.meta.resolve('tsx'),
    `${root}node_modules/plop/bin/plop.js`,
    '--plopfile',
    plopfile,
    '--dest',
    // `npm run plop` runs in the package's folder and names the user's in INIT_CWD: write there
    (process.env.npm_lifecycle_event === 'plop' && process.env.INIT_CWD) || process.cwd(),
    ...args,
  ],
  { stdio: 'inherit' },
);
// plop's help screen does not name the generators: add them, as the load above found them
if (plop.status === 0 && (args[0] === '--help' || args[0] === '-h')) {
  const width = Math.max(...generators.map((g) => g.name.length));
  console.log(
    `Generators (npm run plop -- <name>):\n${generators.map((g) => `  ${g.name.padEnd(width)}  ${g.description}`).join('\n')}\n`,
  );
}
process.exit(plop.status ?? 1);
