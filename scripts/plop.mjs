// `npm run plop -- repo`: plop's own CLI on our plopfile. plop 4 exits 0 without doing anything when
// it cannot load a plopfile, so the plopfile is imported here first: a broken one fails loudly.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// tsx by URL: `--import tsx` would be resolved from the user's folder, not ours
const tsx = import.meta.resolve('tsx');
const check = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', `
  const mod = await import(${JSON.stringify(`${root}plopfile.ts`)});
  const names = [];
  mod.default({ setHelper() {}, setGenerator(name) { names.push(name); } });
  if (!names.length) throw new Error('plopfile.ts registers no generator');
`], { cwd: root, stdio: 'inherit', input: '' });
if (check.status !== 0) {
  console.error('pipelines-oidc: plopfile.ts failed to load (see above)');
  process.exit(check.status || 1);
}
const plop = spawnSync(process.execPath, ['--import', tsx, `${root}node_modules/plop/bin/plop.js`, '--plopfile', `${root}plopfile.ts`, '--dest', process.cwd(), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(plop.status ?? 1);
