/** moto_server on a free loopback port: started for one rehearsal, stopped after it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { CliError } from '../../errors.js';
import { killGroup, Reaper } from './reaper.js';

export const MOTO_INSTALL = "pip install 'moto[server]'";

export interface Emulator {
  url: string;
  stop(): Promise<void>;
}

/** The port moto_server says it listens on, once it says so. */
async function announcedPort(port: () => string | undefined, exited: () => string | undefined): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const gone = exited();
    if (gone !== undefined) throw new CliError(`moto_server stopped while starting: ${gone}`, 1);
    const announced = port();
    if (announced !== undefined) return announced;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new CliError('moto_server did not say where it listens within 30 seconds', 1);
}

async function ready(url: string, child: ChildProcess, exited: () => string | undefined): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const gone = exited();
    if (gone !== undefined) throw new CliError(`moto_server stopped while starting: ${gone}`, 1);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new CliError('moto_server did not answer within 30 seconds', 1);
}

/**
 * Exit 2 when moto is not installed: a rehearsal never silently skips. It runs in a process group of its
 * own that the reaper ends, whatever ends the rehearsal.
 */
export async function startMoto(account: string, reaper = new Reaper()): Promise<Emulator> {
  // port 0: moto binds a free port itself and says which, so no other process can take it in between
  // (a port probed free and handed over could be another rehearsal's moto by the time this one binds)
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], {
    // an ECS service reports one running task: a seeded service wants one, so its waiter waits for it
    env: { ...process.env, MOTO_ACCOUNT_ID: account, MOTO_ECS_SERVICE_RUNNING: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const forget = reaper.add(() => killGroup(child.pid));
  let stderr = '';
  let exit: string | undefined;
  let port: string | undefined;
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-2000);
    port ??= /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.on('spawn', resolve);
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new CliError(
              `rehearse needs moto_server (the AWS emulator): install it with ${MOTO_INSTALL}, or give --endpoint <url> of a running one`,
              2,
            )
          : e,
      ),
    );
  });
  child.on('exit', (code) => (exit = `exit code ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
  await spawned;
  const url = `http://127.0.0.1:${await announcedPort(
    () => port,
    () => exit,
  )}`;
  await ready(url, child, () => exit);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        forget();
        if (exit !== undefined) return resolve();
        child.once('exit', () => resolve());
        killGroup(child.pid);
      }),
  };
}
