/**
 * A real terminal for tests of interactive prompts: the command runs in a detached tmux session on a
 * private socket (so neither the user's tmux server nor their config is involved), and the test reads
 * the screen and types keys as a person would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Env = Record<string, string | undefined>;

/** tmux key names the prompts react to. */
export type Key = 'Enter' | 'C-c' | 'C-u' | 'Up' | 'Down';

export interface Terminal {
  /** Everything the command has shown: the scrollback and the screen, line ends trimmed. */
  screen(): string;
  /** Polls the screen until `text` appears and returns the screen; throws with the screen at the deadline. */
  waitFor(text: string | RegExp): Promise<string>;
  /** Types `text` literally (no key names). */
  type(text: string): void;
  press(...keys: Key[]): void;
  /** Waits for the command to end and returns its exit code. */
  exitCode(): Promise<number>;
  /** The exit code if the command has ended, without waiting. */
  ended(): number | undefined;
}

const POLL_MS = 50;
const DEADLINE_MS = 10_000;

export const hasTmux = (): boolean => spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

let sessions = 0;

/**
 * Runs `argv` in a 160×50 terminal with exactly `env` over this process's environment (undefined
 * unsets), hands it to `body`, and always kills the tmux server afterwards, whatever `body` did.
 */
export async function withTerminal<T>(
  argv: string[],
  options: { cwd: string; env?: Env },
  body: (t: Terminal) => Promise<T>,
): Promise<T> {
  const socket = `pipelines-oidc-test-${process.pid}-${++sessions}`;
  const work = mkdtempSync(join(tmpdir(), 'pipelines-oidc-pty-'));
  const exitFile = join(work, 'exit');
  // a fresh server takes its environment from the client that starts it: this one
  const env = { ...process.env, TMUX: undefined, TMUX_PANE: undefined, ...options.env };
  // `echo` creates the file before it writes: an empty file is not an exit yet
  const exited = () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() || undefined : undefined);
  /** The last screen read, for the message when the terminal itself is gone. */
  let lastScreen = '';
  const tmux = (args: string[]) => {
    const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) {
      const gone = /no server running/.test(r.stderr ?? '')
        ? `; the terminal is gone (command ${exited() === undefined ? 'still running or killed' : `exited ${exited()}`}); its last screen:\n${lastScreen}`
        : '';
      throw new Error(`tmux ${args[0]} failed: ${r.stderr || r.error?.message}${gone}`);
    }
    return r.stdout;
  };
  const screen = () =>
    (lastScreen = tmux(['capture-pane', '-p', '-J', '-S', '-'])
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')
      .trimEnd());

  /** Polls `probe` until it gives a value; fails at the deadline, or once the command ended without one. */
  async function poll<R>(what: string, probe: () => R | undefined, failOnExit: boolean): Promise<R> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const ended = exited();
      // probed after the exit check, so output shown just before the end still counts
      const found = probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline || (failOnExit && ended !== undefined)) {
        const why = ended === undefined ? `not within ${DEADLINE_MS} ms` : `the command ended first (exit ${ended})`;
        throw new Error(`waiting for ${what}: ${why}; the screen:\n${screen()}\n`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  const terminal: Terminal = {
    screen,
    waitFor: (text) =>
      poll(
        typeof text === 'string' ? JSON.stringify(text) : String(text),
        () => {
          const s = screen();
          return (typeof text === 'string' ? s.includes(text) : text.test(s)) ? s : undefined;
        },
        true,
      ),
    type: (text) => void tmux(['send-keys', '-l', text]),
    press: (...keys) => void tmux(['send-keys', ...keys]),
    ended: () => {
      const code = exited();
      return code === undefined ? undefined : Number(code);
    },
    exitCode: () =>
      poll(
        'the command to end',
        () => {
          const code = exited();
          return code === undefined ? undefined : Number(code);
        },
        false,
      ),
  };

  let socketPath: string | undefined;
  try {
    // The shell records the exit code, then keeps the pane open until the server is killed: tmux
    // drops the last output of a pane whose process ends at once, and the screen must stay readable.
    // (the wait does not end at an end of input either: a sleep takes over)
    const script = 'f=$1; shift; "$@"; echo $? > "$f"; while :; do read -r _ || sleep 1; done';
    tmux([
      'new-session',
      '-d',
      '-x',
      '160',
      '-y',
      '50',
      '-c',
      options.cwd,
      'sh',
      '-c',
      script,
      'sh',
      exitFile,
      ...argv,
    ]);
    // tmux leaves the socket file behind when its server is killed
    socketPath = tmux(['display-message', '-p', '#{socket_path}']).trim();
    return await body(terminal);
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server'], { env, stdio: 'ignore' });
    if (socketPath) rmSync(socketPath, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
