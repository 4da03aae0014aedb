/**
 * Progress of slow steps: a spinner on a terminal, one plain line per finished step otherwise (logs and
 * CI keep every line, and no escape codes).
 */
import { green, red } from './style.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  /** Runs `work`, showing `text` while it runs and ✔/✖ when it ends; rethrows its error. */
  step<T>(text: string, work: () => Promise<T>): Promise<T>;
}

/** `indent` goes before each line, for progress nested under a heading. */
export function progress(stream: { write(text: string): unknown; isTTY?: boolean }, indent = ''): Progress {
  return {
    async step(text, work) {
      let frame = 0;
      const timer = stream.isTTY
        ? setInterval(() => stream.write(`\r${indent}${FRAMES[frame++ % FRAMES.length]} ${text}`), 80)
        : undefined;
      const finish = (mark: string) => {
        if (timer) clearInterval(timer);
        stream.write(`${timer ? '\r\x1b[2K' : ''}${indent}${mark} ${text}\n`);
      };
      try {
        const result = await work();
        finish(green('✔'));
        return result;
      } catch (e) {
        finish(red('✖'));
        throw e;
      }
    },
  };
}
