/**
 * What must end with a rehearsal on every way out (normal end, error, Ctrl-C, SIGTERM): the process
 * groups it started and its scratch folder.
 */
export class Reaper {
  private readonly ends = new Set<() => void>();

  /** `end` runs once when the rehearsal ends; the function returned forgets it (it ended by itself). */
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  /** Runs every end, the last added first; one failing does not keep the others from running. */
  endAll(): void {
    for (const end of [...this.ends].reverse()) {
      this.ends.delete(end);
      try {
        end();
      } catch {
        // already gone
      }
    }
  }

  /** Until the returned function is called, SIGINT and SIGTERM end everything and exit 130 and 143. */
  onSignals(): () => void {
    const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
      const handler = () => {
        this.endAll();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.on(signal, handler);
      return () => process.off(signal, handler);
    });
    return () => handlers.forEach((off) => off());
  }
}

/** SIGKILL to a whole process group (a child spawned `detached` leads its own). */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group has ended
  }
}
