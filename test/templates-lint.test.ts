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
import { TEMPLATES_DIR } from '../src/paths.ts';
import { HELPER_NAMES } from '../src/render/helpers.ts';

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

test('there are templates to check', () => {
  const found = templates(TEMPLATES_DIR).map((p) => relative(TEMPLATES_DIR, p));
  assert.ok(found.includes('iam/trust-policy.json.hbs') && found.includes('terraform/main.tf.hbs'), found.join(', '));
  assert.ok(found.length >= 12, found.join(', '));
});

for (const path of templates(TEMPLATES_DIR)) {
  test(`${relative(TEMPLATES_DIR, path)} inserts values only through serializing helpers`, () => {
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

test.run();
