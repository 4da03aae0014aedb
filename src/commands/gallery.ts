/** `pipelines-oidc gallery [--gallery <dir>] [--json]`: the deploy targets and the questions each asks. */
import { UsageError } from '../errors.js';
import { loadGallery } from '../io/gallery.js';
import { bold, dim } from '../io/style.js';
import { parseCommand } from './args.js';

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('gallery', argv);
  if (args.positionals.length) throw new UsageError(`gallery takes no arguments, got ${args.positionals.join(' ')}`);
  const gallery = loadGallery(process.cwd(), args.options.gallery);
  const entries = gallery.map((t) => ({
    id: t.id,
    title: t.title,
    description: t.description,
    ...(t.release ? { release: t.release } : {}),
    questions: t.questions.map((q) => ({
      name: q.name,
      flag: `--${q.flag}`,
      description: q.description,
      example: q.example,
      ...(q.optional ? { optional: true } : {}),
      ...(q.perEnvironment ? { perEnvironment: true } : {}),
      ...(q.sharedFallback ? { sharedFallback: true } : {}),
    })),
  }));
  if (args.options.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  const lines = entries.flatMap((t) => [
    `${bold(t.id)}  ${t.title}`,
    `  ${t.description}`,
    ...(t.release ? [`  With environments: only in the last stage (production), because ${t.release}.`] : []),
    ...t.questions.map(
      (q) =>
        `  ${q.flag}${q.perEnvironment ? '[.<environment>]' : ''} ${dim(`<${q.name}>`)}  ${q.description}${q.optional ? ' (optional)' : ''}; e.g. ${q.example}`,
    ),
    '',
  ]);
  process.stdout.write(lines.join('\n'));
  return 0;
}
