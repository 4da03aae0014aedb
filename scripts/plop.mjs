// `npm run plop -- repo`: plop's own CLI on our plopfile. plop 4 exits 0 without doing anything when
// it cannot load a plopfile, so the plopfile is imported here first: a broken one fails loudly.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// tsx by URL: `--import tsx` would be resolved from the user's folder, not ours
const tsx = import.meta.resolve('tsx');
const check = spawnSync(
  process.execPath,
  [
    '--import',
    tsx,
    '--input-type=module',
    '-e',
    `
  const mod = await import(${JSON.stringify(`${root}plopfile.ts`)});
  const generators = [];
  mod.default({ setHelper() {}, setGenerator(name, config) { generators.push({ name, description: config.description ?? '' }); } });
  if (!generators.length) throw new Error('plopfile.ts registers no generator');
  process.stdout.write(JSON.stringify(generators));
`,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
);
if (check.status !== 0) {
  console.error('pipelines-oidc: plopfile.ts failed to load (see above)');
  process.exit(check.status || 1);
}
const args = process.argv.slice(2);
const plop = spawnSync(
  process.execPath,
  [
    '--import',
    tsx,
    `${root}node_modules/plop/bin/plop.js`,
    '--plopfile',
    `${root}plopfile.ts`,
    '--dest',
    // `npm run plop` runs in the package's folder and names the user's in INIT_CWD: write there
    (process.env.npm_lifecycle_event === 'plop' && process.env.INIT_CWD) || process.cwd(),
    ...args,
  ],
  { stdio: 'inherit' },
);
// plop's help screen does not name the generators: add them, as the check above found them
if (plop.status === 0 && (args[0] === '--help' || args[0] === '-h')) {
  const generators = JSON.parse(check.stdout);
  const width = Math.max(...generators.map((g) => g.name.length));
  console.log(
    `Generators (npm run plop -- <name>):\n${generators.map((g) => `  ${g.name.padEnd(width)}  ${g.description}`).join('\n')}\n`,
  );
}
process.exit(plop.status ?? 1);
