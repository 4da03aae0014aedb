/**
 * The README's gallery section, from the target definitions themselves: ids, questions, every IAM
 * statement with the reason for it. A test keeps the README equal to this.
 */
import type { TargetDefinition } from './definition.js';

const code = (s: string) => `\`${s.replace(/\|/g, '\\|')}\``;
const list = (v: string | string[]) => ([] as string[]).concat(v);

export function galleryMarkdown(gallery: readonly TargetDefinition[]): string {
  return gallery
    .map((t) => {
      const questions = t.questions.length
        ? t.questions
            .map((q) => `--${q.flag}${q.perEnvironment ? '[.<environment>]' : ''}${q.optional ? ' (optional)' : ''}`)
            .map(code)
            .join(', ')
        : 'none';
      const rows = t.statements.map((s, i) => {
        const when = s.when ? ` (only with --${t.questions.find((q) => q.name === s.when)?.flag ?? s.when})` : '';
        const condition = s.Condition ? `; condition ${code(JSON.stringify(s.Condition))}` : '';
        return `| ${list(s.Action).map(code).join('<br>')} | ${list(s.Resource).map(code).join('<br>')}${condition}${when} | ${(t.notes[i] ?? '').replace(/\|/g, '\\|')} |`;
      });
      return [
        `### \`${t.id}\`: ${t.title}`,
        '',
        t.description,
        '',
        `Pipeline: ${t.pipeline.trigger === 'custom' ? `custom pipeline \`${t.pipeline.name}\` (run by hand)` : `on push to \`${t.pipeline.name}\``}; image \`${t.step.image}\`. Questions: ${questions}.`,
        '',
        ...(t.release
          ? [
              `A release: with deployment environments it runs only in the last stage (production), because ${t.release}.`,
              '',
            ]
          : []),
        ...(t.build
          ? [
              `A build: with deployment environments it runs only in the first stage, before the deployments, because ${t.build}.`,
              '',
            ]
          : []),
        '| actions | resources | why |',
        '| --- | --- | --- |',
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}
