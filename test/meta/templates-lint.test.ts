/**
 * Every value reaches a generated file through a serializing helper: the templates are parsed and
 * their syntax tree checked, so a bare `{{repo.answers.name}}` (HTML-escaped, not serialized for the
 * target language) or a triple-stash cannot slip into a template.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Handlebars from 'handlebars';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PACKAGE_ROOT } from '../../src/paths.ts';
import { code, md } from '../../src/core/util/markdown.ts';
import { HELPER_NAMES, helpers } from '../../src/render/helpers.ts';

const BLOCKS = ['each', 'if', 'unless'];

/** What is wrong with a template, one line per problem (empty when it is fine). */
function lint(source: string): string[] {
  const problems: string[] = [];
  const where = (node: hbs.AST.Node) => `line ${node.loc.start.line}`;
  const visit = (node: hbs.AST.Node | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        return (node as hbs.AST.Program).body.forEach(visit);
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement': {
        const m = node as hbs.AST.MustacheStatement;
        const name =
          m.path.type === 'PathExpression' ? (m.path as hbs.AST.PathExpression).original : String(m.path.type);
        if (!m.escaped) problems.push(`${where(m)}: triple-stash {{{${name}}}} inserts raw text`);
        if (!HELPER_NAMES.includes(name))
          problems.push(`${where(m)}: {{${name}}} is not a serializing helper (${HELPER_NAMES.join(', ')})`);
        else if (m.params.length === 0) problems.push(`${where(m)}: {{${name}}} has nothing to serialize`);
        return;
      }
      case 'BlockStatement': {
        const b = node as hbs.AST.BlockStatement;
        if (!BLOCKS.includes(b.path.original))
          problems.push(`${where(b)}: block {{#${b.path.original}}} is not one of ${BLOCKS.join(', ')}`);
        visit(b.program);
        return visit(b.inverse);
      }
      default:
        problems.push(`${where(node)}: ${node.type} is not allowed`);
    }
  };
  visit(Handlebars.parse(source));
  return problems;
}

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? templates(join(dir, e.name)) : e.name.endsWith('.hbs') ? [join(dir, e.name)] : [],
  );
}

/** Every folder of templates/: the repository's and the workshop's. */
const TEMPLATES_ROOT = join(PACKAGE_ROOT, 'templates');

test('there are templates to check', () => {
  const found = templates(TEMPLATES_ROOT).map((p) => relative(TEMPLATES_ROOT, p));
  for (const expected of [
    'repo/iam/trust-policy.json.hbs',
    'repo/terraform/main.tf.hbs',
    'workshop/facilitator/terraform/main.tf.hbs',
    'workshop/facilitator/terraform/outputs.tf.hbs',
    'workshop/facilitator/SUMMARY.md.hbs',
    'workshop/exercise/EXERCISE.md.hbs',
    'workshop/exercise/README.md.hbs',
  ])
    assert.ok(found.includes(expected), `${expected} in ${found.join(', ')}`);
  assert.ok(found.length >= 17, found.join(', '));
});

for (const path of templates(TEMPLATES_ROOT)) {
  test(`${relative(TEMPLATES_ROOT, path)} inserts values only through serializing helpers`, () => {
    const source = readFileSync(path, 'utf8');
    assert.not.match(source, '{{{', 'no triple-stash');
    assert.equal(lint(source), []);
  });
}

test('negative controls: the checker reports what it must', () => {
  assert.equal(lint('{{json repo.trustPolicy}} {{#each repo.files}}{{md path}}{{else}}{{code this}}{{/each}}'), []);
  assert.is(lint('# {{repo.answers.name}}').length, 1);
  assert.match(lint('# {{repo.answers.name}}')[0]!, 'is not a serializing helper');
  assert.match(lint('{{{json repo.trustPolicy}}}').join('\n'), 'triple-stash');
  assert.match(lint('{{& json repo.trustPolicy}}').join('\n'), 'triple-stash');
  assert.match(lint('{{json}}').join('\n'), 'nothing to serialize');
  assert.match(lint('{{lookup repo "x"}}').join('\n'), 'not a serializing helper');
  assert.match(lint('{{#with repo}}{{json this}}{{/with}}').join('\n'), 'block {{#with}}');
  assert.match(lint('{{#if x}}{{else}}{{repo.name}}{{/if}}').join('\n'), 'not a serializing helper');
  assert.match(lint('{{> partial}}').join('\n'), 'PartialStatement is not allowed');
});

test('the markdown helper escapes every value in Markdown built as data, and takes nothing else', () => {
  const name = 'a*b <i>`x`';
  assert.is(
    String(helpers.markdown(md`Repository **${name}**, file ${code(name)}`)),
    'Repository **a\\*b \\<i\\>\\`x\\`**, file `` a*b <i>`x` ``',
  );
  assert.throws(() => helpers.markdown('# raw' as never), /takes Markdown/);
});

test.run();
