// `npm run docs`: rewrites the gallery section of README.md from the built-in target definitions.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { galleryMarkdown } from '../dist/core/targets/docs.js';
import { BUILT_IN_TARGETS } from '../dist/core/targets/index.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const start = '<!-- gallery:start -->';
const end = '<!-- gallery:end -->';
const [before, rest] = text.split(start);
const after = rest?.split(end)[1];
if (before === undefined || after === undefined) throw new Error(`README.md needs the markers ${start} and ${end}`);
writeFileSync(readme, `${before}${start}\n${galleryMarkdown(BUILT_IN_TARGETS)}\n${end}${after}`);
