/**
 * The layers of src/ and the directions imports may take between them, defined here once: every file's
 * imports are read and checked against the table, the import graph must have no cycle, and the README's
 * Architecture section must show the same table.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './support/fixtures.ts';
import { sourceFiles } from './support/source-scan.ts';

interface Layer {
  name: string;
  /** Paths under src/: a folder ends with `/`. */
  files: string[];
  /** The layers its files may import (its own included when listed). */
  mayImport: string[];
  role: string;
}

export const LAYERS: Layer[] = [
  {
    name: 'base',
    files: ['errors.ts', 'paths.ts', 'printable.ts'],
    mayImport: [],
    role: 'typed errors; where the package is; input text made safe to print',
  },
  {
    name: 'core',
    files: ['core/'],
    mayImport: ['core', 'base'],
    role: 'pure: answers → model → data (policies, pipeline, findings, plans); no process, Date, console or fs',
  },
  {
    name: 'render',
    files: ['render/'],
    mayImport: ['render', 'core', 'base'],
    role: 'pure: turns core data into file contents (serialisers, Handlebars templates and their helpers)',
  },
  {
    name: 'io',
    files: ['io/'],
    mayImport: ['io', 'render', 'core', 'base'],
    role: 'files, git, AWS, prompts, terminal style, the template loader',
  },
  {
    name: 'commands',
    files: ['commands/', 'generator.ts', 'plopfile.ts'],
    mayImport: ['commands', 'io', 'render', 'core', 'base'],
    role: 'one file per command: reads input, calls core, render and io, prints the result',
  },
  {
    name: 'cli',
    files: ['cli.ts'],
    mayImport: ['commands', 'base'],
    role: 'the command table; loads a command lazily',
  },
];

const SRC = join(ROOT, 'src');

/** Comments removed, string literals kept (a comment may quote an import; a string may hold `//`). */
function withoutComments(source: string): string {
  return source.replace(
    /('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
    (m, str) => (str === undefined ? '' : m),
  );
}

/** The specifiers of `import … from`, `export … from`, bare `import '…'` and `import('…')`. */
export function importSpecifiers(source: string): string[] {
  const code = withoutComments(source);
  const statics = code.matchAll(/(?:^|[;}\n])\s*(?:import|export)\s+(?:[\w*{}\s,$]+?\s+from\s*)?(['"])([^'"\n]+)\1/g);
  const dynamics = code.matchAll(/\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g);
  return [...statics, ...dynamics].map((m) => m[2]!);
}

function layerOf(file: string): Layer | undefined {
  const path = relative(SRC, file).split('\\').join('/');
  return LAYERS.find((l) => l.files.some((f) => (f.endsWith('/') ? path.startsWith(f) : path === f)));
}

/** Each file of src/ and the files of src/ it imports (package and node: imports left out). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC).sort()) {
    const targets = importSpecifiers(readFileSync(file, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
    graph.set(file, targets);
  }
  return graph;
}

const shown = (file: string) => relative(ROOT, file);

/** Every import that breaks the table, or leads to no file, as `from → to: why`. */
export function violations(graph: Map<string, string[]>): string[] {
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    if (!from) {
      problems.push(`${shown(file)} is in no layer`);
      continue;
    }
    for (const target of targets) {
      if (!existsSync(target)) problems.push(`${shown(file)} → ${shown(target)}: no such file`);
      const to = layerOf(target);
      if (to && !from.mayImport.includes(to.name))
        problems.push(`${shown(file)} → ${shown(target)}: ${from.name} may not import ${to.name}`);
    }
  }
  return problems;
}

/** The first cycle found, as the path of files around it (first file repeated at the end), or undefined. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === 'done') return undefined;
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The table as the README shows it. */
export function layersMarkdown(): string {
  const code = (s: string) => `\`${s}\``;
  return [
    '| layer | files under `src/` | may import | what it holds |',
    '| --- | --- | --- | --- |',
    ...LAYERS.map(
      (l) =>
        `| ${l.name} | ${l.files.map(code).join(', ')} | ${l.mayImport.join(', ') || 'nothing of src/'} | ${l.role} |`,
    ),
  ].join('\n');
}

test('every file of src/ imports only what its layer may import', () => {
  const graph = importGraph();
  assert.ok(graph.size > 50, `read ${graph.size} files`);
  assert.equal(violations(graph), []);
});

test('the imports of src/ have no cycle', () => {
  const cycle = findCycle(importGraph());
  assert.is(cycle?.map(shown).join(' → '), undefined);
});

test('the README states the same layers (## Architecture)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /\n## Architecture\n([\s\S]*?)(?=\n## |$)/.exec(readme)?.[1];
  assert.ok(section !== undefined, 'README.md has an Architecture section');
  assert.ok(
    section!.includes(layersMarkdown()),
    `README.md's Architecture section shows the table:\n${layersMarkdown()}`,
  );
});

test('negative controls: the scanner, the rules and the cycle search find what they must', () => {
  const source = [
    "import type { A } from './a.js';",
    "import {\n  b,\n  type C,\n} from '../b.js';",
    "export * from './c.js';",
    "export { d } from './d.js';",
    "import './e.js';",
    "const f = await import('./f.js');",
    "// import { g } from './g.js';",
    "/* import('./h.js') */",
    "const url = 'https://example.com//x'; import x from './x.js';",
  ].join('\n');
  assert.equal(importSpecifiers(source).sort(), [
    '../b.js',
    './a.js',
    './c.js',
    './d.js',
    './e.js',
    './f.js',
    './x.js',
  ]);
  const core = join(SRC, 'core/x.ts');
  const render = join(SRC, 'render/y.ts');
  const commands = join(SRC, 'commands/z.ts');
  assert.match(violations(new Map([[core, [render]]])).join('\n'), 'core may not import render');
  assert.match(violations(new Map([[render, [commands]]])).join('\n'), 'render may not import commands');
  assert.match(violations(new Map([[join(SRC, 'stray.ts'), []]])).join('\n'), 'is in no layer');
  assert.equal(
    findCycle(
      new Map([
        [core, [render]],
        [render, [commands]],
        [commands, [render]],
      ]),
    ),
    [render, commands, render],
  );
  assert.is(
    findCycle(
      new Map([
        [core, []],
        [render, [core]],
        [commands, [render, core]],
      ]),
    ),
    undefined,
  );
});

test.run();
