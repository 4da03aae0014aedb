/** Answering `new`'s questions in a terminal (pty.ts) as a person would: by the words each question shows. */
import { questionFor, type AnswerName } from '../../src/core/answers/questions.ts';
import type { Terminal } from './pty.ts';

/** What the terminal shows when question `name` is asked. */
export const asking = (name: AnswerName) => `? ${questionFor(name)!.message}`;

/** Waits for question `name`, types `text` (none: the default stands) and presses Enter; returns the screen that asked. */
export async function answer(t: Terminal, name: AnswerName, text?: string): Promise<string> {
  const screen = await t.waitFor(asking(name));
  if (text !== undefined) t.type(text);
  t.press('Enter');
  return screen;
}

/** In a select list (cursor on the default), moves down to `value` and takes it; returns the screen that showed it. */
export async function choose(t: Terminal, name: AnswerName, value: string): Promise<string> {
  const q = questionFor(name)!;
  await t.waitFor(asking(name));
  const steps =
    q.choices!.findIndex((c) => c.value === value) - q.choices!.findIndex((c) => c.value === q.fallback?.({}, {}));
  for (let i = 0; i < steps; i++) t.press('Down');
  const screen = await t.waitFor(`❯ ${value}`);
  t.press('Enter');
  return screen;
}
