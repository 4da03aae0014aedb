// The lower bound for `new`: the same files with the same bytes, written with plain fs and nothing else.
// Usage: node bench/plain-fs.mjs <contents.json> <target folder>, where the JSON maps relative path → text.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [contentsFile, target] = process.argv.slice(2);
const files = JSON.parse(readFileSync(contentsFile, 'utf8'));
for (const [path, content] of Object.entries(files)) {
  const file = join(target, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}
