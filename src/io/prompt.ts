/**
 * Interactive questions through @inquirer/prompts (loaded only when a prompt is shown). Ctrl-C becomes
 * a CancelledError, so nothing is written.
 */
import type { Question } from '../core/answers/index.js';
import { CancelledError } from '../errors.js';

async function cancellable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if ((e as Error).name === 'ExitPromptError' || (e as Error).name === 'AbortPromptError') throw new CancelledError();
    throw e;
  }
}

export async function askQuestion(q: Question, suggested: string | undefined): Promise<string> {
  const { checkbox, input, select } = await import('@inquirer/prompts');
  if (q.choices && q.multiple) {
    const chosen = suggested?.split(',') ?? [];
    const picked = await cancellable(
      checkbox({
        message: q.message,
        required: !q.optional,
        choices: q.choices.map((c) => ({
          value: c.value,
          name: c.value,
          description: c.description,
          checked: chosen.includes(c.value),
        })),
      }),
    );
    return picked.join(',');
  }
  if (q.choices) {
    return cancellable(
      select({
        message: q.message,
        default: suggested,
        choices: q.choices.map((c) => ({ value: c.value, name: c.value, description: c.description })),
      }),
    );
  }
  const answer = await cancellable(
    input({
      message: q.message,
      default: suggested,
      validate: (raw) => {
        if (raw.trim() === '' && q.optional) return true;
        const r = q.rule(raw);
        return 'error' in r ? `${q.message} ${r.error}` : true;
      },
    }),
  );
  if (answer.trim() === '' && q.optional) return '';
  const r = q.rule(answer);
  return 'value' in r ? r.value : answer;
}

export async function askConfirm(message: string, defaultAnswer = true): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return cancellable(confirm({ message, default: defaultAnswer }));
}

/** Asks for a folder until `refusal` accepts one (undefined); the answer is returned as typed. */
export async function askFolder(
  message: string,
  refusal: (path: string) => Promise<string | undefined>,
): Promise<string> {
  const { input } = await import('@inquirer/prompts');
  return cancellable(
    input({
      message,
      validate: async (raw) => (raw.trim() === '' ? 'a folder path, please' : ((await refusal(raw.trim())) ?? true)),
    }),
  ).then((answer) => answer.trim());
}
