/**
 * The layers of src/ and the directions imports may take between them, defined here once: every file's
 * imports are read and checked against the table, the import graph must have no cycle, and the README's
 * Architecture section must show the same table.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../support/fixtures.ts';
import { sourceFiles } from '../support/source-scan.ts';

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
    files: ['commands/', 'generator.ts'],
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

interface CoreFolder {
  name: string;
  /** The folders of core/ it may import (each through its index.ts). */
  mayImport: string[];
  owns: string;
  /** Files other than index.ts that others may reach, only through `import()`: kept off every path that does not need them. */
  lazy?: string[];
}

/**
 * The folders of src/core/, bottom up: a folder imports only those listed (none above it), and only
 * through their `index.ts` (or a lazy face, through `import()`). Every other layer reaches core the same way.
 */
export const CORE_FOLDERS: CoreFolder[] = [
  {
    name: 'util',
    mayImport: [],
    owns: 'JSON guards, shell quoting, Markdown as data, wildcards, linear regexes, nesting and time limits, "did you mean"',
  },
  {
    name: 'facts',
    mayImport: ['util'],
    owns: 'Bitbucket and AWS facts: OIDC claims and ARNs, parameters, policies, images, input patterns, generated file paths',
  },
  {
    name: 'aws',
    mayImport: ['util'],
    owns: "one module per AWS service: its IAM actions, its CLI commands' actions, its requests' IAM checks",
  },
  {
    name: 'iam-eval',
    mayImport: ['aws', 'util'],
    owns: "the IAM engine: policy grammar, action names, trust and identity evaluation, findings' source types",
  },
  {
    name: 'targets',
    mayImport: ['facts', 'util'],
    owns: 'deploy targets as data: one module per target, the registry, seeds',
  },
  {
    name: 'answers',
    mayImport: ['targets', 'facts', 'util'],
    owns: 'the questions, their rules and resolution (flag, file, prompt, default), per-environment answers',
  },
  {
    name: 'cli',
    mayImport: ['answers', 'facts', 'util'],
    owns: "the command table: every command's flags, help and usage as data",
  },
  {
    name: 'repo',
    mayImport: ['answers', 'targets', 'facts', 'util'],
    owns: 'a repository as data: model, pipeline and its walker, manifest, update and merge plans, next steps',
  },
  {
    name: 'check',
    mayImport: ['repo', 'iam-eval', 'aws', 'facts', 'util'],
    owns: "check's findings, rule table, token explanation, trust simulation, drift",
    lazy: ['pipeline-ajv.ts'],
  },
  {
    name: 'gallery',
    mayImport: ['cli', 'answers', 'targets', 'facts', 'util'],
    owns: "a user's gallery file, checked against every answer name and flag",
  },
  {
    name: 'iam',
    mayImport: ['check', 'iam-eval', 'repo', 'facts', 'util'],
    owns: 'the IAM side of apply and doctor: desired state, plan, permissions',
  },
  {
    name: 'rehearse',
    mayImport: ['check', 'iam-eval', 'repo', 'answers', 'targets', 'aws', 'facts', 'util'],
    owns: "rehearse's plan, command judge, operations and authorization",
  },
  {
    name: 'bitbucket-setup',
    mayImport: ['iam', 'check', 'repo', 'answers', 'facts'],
    owns: "Bitbucket's side as a plan: repository, environments, variables, OIDC, a run's claims",
  },
  {
    name: 'workshop',
    mayImport: ['bitbucket-setup', 'check', 'iam-eval', 'repo', 'targets', 'answers', 'facts', 'util'],
    owns: 'attendees, exercises and grading',
    lazy: ['exercises.ts'],
  },
];

const CORE = join(ROOT, 'src', 'core');

/** The folder of core/ a path is in (undefined outside core/, '' for a file directly in core/). */
function coreFolderOf(file: string): string | undefined {
  const path = relative(CORE, file).split('\\').join('/');
  if (path.startsWith('..')) return undefined;
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : '';
}

/** Each import into a folder of core/ that breaks its order, reaches past its face, or lands in no folder. */
export function coreViolations(graph: Map<string, string[]>, lazyImports: Map<string, string[]> = new Map()): string[] {
  const problems: string[] = [];
  const folders = new Map(CORE_FOLDERS.map((f) => [f.name, f]));
  for (const [file, targets] of graph) {
    const from = coreFolderOf(file);
    if (from === '') problems.push(`${shown(file)} is directly in core/: put it in a folder`);
    else if (from !== undefined && !folders.has(from))
      problems.push(`${shown(file)}: core/${from}/ is in no row of CORE_FOLDERS`);
    for (const target of targets) {
      const to = coreFolderOf(target);
      if (to === undefined || to === from || !folders.has(to)) continue;
      if (from !== undefined && folders.has(from) && !folders.get(from)!.mayImport.includes(to))
        problems.push(`${shown(file)} → ${shown(target)}: core/${from} may not import core/${to}`);
      const inside = relative(join(CORE, to), target).split('\\').join('/');
      const lazyFace = folders.get(to)!.lazy?.includes(inside) && (lazyImports.get(file) ?? []).includes(target);
      if (inside !== 'index.ts' && !lazyFace)
        problems.push(`${shown(file)} → ${shown(target)}: import core/${to}/index.ts, its face, not a file behind it`);
    }
  }
  return problems;
}

/** What makes core/ and render/ impure: the file system, the process, the clock. */
export function impurities(source: string): string[] {
  const code = withoutComments(source).replace(/('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")/g, "''");
  const found: string[] = [];
  if (importSpecifiers(source).some((s) => /^(node:)?fs(\/promises)?$/.test(s))) found.push('imports fs');
  if (/\bprocess\s*\./.test(code) || /\bprocess\s*\[/.test(code)) found.push('reads process');
  if (/\bDate\s*\.\s*now\b/.test(code) || /\bnew\s+Date\s*\(\s*\)/.test(code)) found.push('reads the clock');
  return found;
}

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

/** The specifiers of `import('…')` alone. */
function dynamicSpecifiers(source: string): string[] {
  return [...withoutComments(source).matchAll(/\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g)].map((m) => m[2]!);
}

/** Each file of src/ and the files of src/ it imports (package and node: imports left out); `dynamic`: `import()` only. */
function importGraph(dynamic = false): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC).sort()) {
    const source = readFileSync(file, 'utf8');
    const targets = (dynamic ? dynamicSpecifiers(source) : importSpecifiers(source))
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

/** The folders of core/ as the README shows them. */
export function coreFoldersMarkdown(): string {
  return [
    '| folder of `src/core/` | may import | what it owns |',
    '| --- | --- | --- |',
    ...CORE_FOLDERS.map(
      (f) =>
        `| \`${f.name}/\` | ${f.mayImport.map((m) => `\`${m}\``).join(', ') || 'no other folder'} | ${f.owns}${f.lazy ? ` (lazy: ${f.lazy.map((l) => `\`${l}\``).join(', ')})` : ''} |`,
    ),
  ].join('\n');
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

test('core/ is folders in one order, each reached through its index.ts', () => {
  const graph = importGraph();
  assert.equal(coreViolations(graph, importGraph(true)), []);
  const folders = new Set([...graph.keys()].map(coreFolderOf).filter((f) => f !== undefined));
  assert.equal(
    [...folders].sort(),
    CORE_FOLDERS.map((f) => f.name).sort(),
    'every folder has a row, every row a folder',
  );
  // listed bottom up: a folder may import only rows above it in the table, so the folders have no cycle
  CORE_FOLDERS.forEach((f, i) => {
    const below = new Set(CORE_FOLDERS.slice(0, i).map((b) => b.name));
    assert.ok(
      f.mayImport.every((m) => below.has(m)),
      `core/${f.name} imports only folders listed before it`,
    );
  });
});

test('core/ and render/ read no file system, process or clock', () => {
  const impure = sourceFiles(SRC)
    .filter((f) => /\/src\/(core|render)\//.test(f))
    .flatMap((f) => impurities(readFileSync(f, 'utf8')).map((why) => `${shown(f)} ${why}`));
  assert.equal(impure, []);
});

test('the README states the same layers (## Architecture)', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /\n## Architecture\n([\s\S]*?)(?=\n## |$)/.exec(readme)?.[1];
  assert.ok(section !== undefined, 'README.md has an Architecture section');
  assert.ok(
    section!.includes(layersMarkdown()),
    `README.md's Architecture section shows the table:\n${layersMarkdown()}`,
  );
  assert.ok(
    section!.includes(coreFoldersMarkdown()),
    `README.md's Architecture section shows the folders of core/:\n${coreFoldersMarkdown()}`,
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
  const check = join(CORE, 'check/rules.ts');
  const facts = join(CORE, 'facts/bitbucket.ts');
  const factsFace = join(CORE, 'facts/index.ts');
  const ajv = join(CORE, 'check/pipeline-ajv.ts');
  const io = join(SRC, 'io/schema.ts');
  assert.equal(coreViolations(new Map([[check, [factsFace]]])), []);
  assert.match(coreViolations(new Map([[check, [facts]]])).join('\n'), 'its face, not a file behind it');
  assert.match(
    coreViolations(new Map([[facts, [join(CORE, 'check/index.ts')]]])).join('\n'),
    'core/facts may not import core/check',
  );
  assert.match(coreViolations(new Map([[join(CORE, 'stray.ts'), []]])).join('\n'), 'directly in core/');
  assert.equal(coreViolations(new Map([[io, [ajv]]]), new Map([[io, [ajv]]])), [], 'a lazy face through import()');
  assert.match(coreViolations(new Map([[io, [ajv]]])).join('\n'), 'its face', 'a lazy face imported statically');
  assert.equal(impurities("import { readFileSync } from 'node:fs';"), ['imports fs']);
  assert.equal(impurities('const cwd = process.cwd();'), ['reads process']);
  assert.equal(impurities('const t = Date.now(); const u = new Date();'), ['reads the clock']);
  assert.equal(impurities("// process.cwd()\nconst at = new Date(claims.exp * 1000); const s = 'process.env';"), []);
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

/** The project's top level: what it is made of, then the README, lockfile, scripts and benchmarks. */
const TOP_LEVEL = ['package.json', 'tsconfig.json', 'plopfile.ts', 'templates', 'src', 'test', 'examples'];
const BESIDE = ['README.md', 'LICENSE', 'package-lock.json', 'scripts', 'bench'];

test("the project's top level holds only its parts (dot-files and what the build and npm make aside)", () => {
  const made = new Set(['node_modules', 'dist']);
  const entries = readdirSync(ROOT).filter((n) => !n.startsWith('.') && !made.has(n) && !n.endsWith('.log'));
  assert.equal(entries.sort(), [...TOP_LEVEL, ...BESIDE].sort());
});

test.run();
