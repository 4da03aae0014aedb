// `npm run plop -- repo`: plop's own CLI on the built plopfile. plop 4 exits 0 without doing anything
// when it cannot load a plopfile, so the plopfile is imported here first: a broken one fails loudly.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const plopfile = `${root}dist/plopfile.js`;
const generators = [];
(await import(plopfile)).default({
  setHelper() {},
  setGenerator(name, config) {
    generators.push({ name, description: config.description ?? '' });
  },
});
if (!generators.length) throw new Error('dist/plopfile.js registers no generator');

const args = process.argv.slice(2);
const plop = spawnSync(
  process.execPath,
  [
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
// plop's help screen does not name the generators: add them, as the import above found them
if (plop.status === 0 && (args[0] === '--help' || args[0] === '-h')) {
  const width = Math.max(...generators.map((g) => g.name.length));
  console.log(
    `Generators (npm run plop -- <name>):\n${generators.map((g) => `  ${g.name.padEnd(width)}  ${g.description}`).join('\n')}\n`,
  );
}
process.exit(plop.status ?? 1);
