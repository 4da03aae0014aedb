// `npm run docs`: rewrites the generated sections of README.md: the usage, from the command table, the
// gallery, from the built-in target definitions, the permissions `apply` and `doctor` need, from their
// definition, and `check`'s findings, from its rule table.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { usageOfAll } from '../dist/commands/help.js';
import { findingsMarkdown } from '../dist/core/check/docs.js';
import { RULES } from '../dist/core/check/rules.js';
import { README_PERMISSIONS } from '../dist/core/iam/permissions.js';
import { galleryMarkdown } from '../dist/core/targets/docs.js';
import { BUILT_IN_TARGETS } from '../dist/core/targets/index.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));

function replaceSection(text, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const [before, rest] = text.split(start);
  const after = rest?.split(end)[1];
  if (before === undefined || after === undefined) throw new Error(`README.md needs the markers ${start} and ${end}`);
  return `${before}${start}\n${body}\n${end}${after}`;
}

let text = readFileSync(readme, 'utf8');
text = replaceSection(text, 'usage', `\`\`\`\n${usageOfAll()}\n\`\`\``);
text = replaceSection(text, 'gallery', galleryMarkdown(BUILT_IN_TARGETS));
text = replaceSection(text, 'apply-permissions', `\`\`\`json\n${JSON.stringify(README_PERMISSIONS, null, 2)}\n\`\`\``);
text = replaceSection(text, 'findings', findingsMarkdown(RULES));
writeFileSync(readme, text);
