/**
 * Where a rehearsal's scripts run. With bubblewrap: a read-only view of this machine in which only the
 * folders given (and a private /tmp) are writable, a network namespace of its own (only its loopback),
 * a pid namespace of its own, no capabilities, and gone when rehearse is. The emulator reaches it as a
 * unix socket in the scratch folder, which a forwarder inside turns back into the same loopback port.
 * Without bubblewrap the scripts run as the user, in a process group of their own.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

/**
 * Runs inside (as `node supervise.cjs <mode> <port> <socket> <cwd> <script>`): forwards 127.0.0.1:<port> to
 * the socket, runs the script with bash -e, then ends every process the script left behind and reports
 * their command lines and the script's exit status as JSON on fd 3. `namespace`: every process of the
 * pid namespace but its init is the script's; `group`: those of this process group.
 */
const SUPERVISOR = String.raw`'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const [mode, port, socket, cwd, script] = process.argv.slice(2);
const stat = (pid) => { try { return fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); } catch { return ''; } };
const fields = (pid) => stat(pid).slice(stat(pid).lastIndexOf(')') + 2).split(' ');
const group = (pid) => fields(pid)[2];
// a process that has ended (a zombie until its parent reaps it) runs nothing
const running = (pid) => stat(pid) !== '' && fields(pid)[0] !== 'Z';
const own = group(process.pid);
const own_script = ['bash', '-e', '-c', script].join(' ');
function others() {
  let pids = [];
  try { pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid); } catch {}
  return pids.filter((p) => running(p) && (mode === 'namespace' ? p !== '1' : group(p) === own)).map((pid) => {
    let cmd = '';
    try { cmd = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\0').filter(Boolean).join(' '); } catch {}
    if (!cmd) cmd = stat(pid).slice(stat(pid).indexOf('(') + 1, stat(pid).lastIndexOf(')'));
    return { pid: Number(pid), cmd: cmd === own_script ? 'a background part of the step script (bash)' : cmd };
  });
}
function finish(code, left) {
  fs.writeSync(3, '\n' + JSON.stringify({ code, left }) + '\n');
  process.exit(0);
}
function run() {
  const child = spawn('bash', ['-e', '-c', script], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code) => {
    if (!others().length) return finish(code, []);
    // a command started in the background may not have replaced its forked shell yet: a moment to name it
    setTimeout(() => {
      const left = [];
      const killed = new Set();
      for (let round = 0; round < 20; round++) {
        const found = others();
        if (!found.length) break;
        for (const p of found) {
          // named when first seen: one being killed may show no command line any more
          if (!killed.has(p.pid) && !left.includes(p.cmd)) left.push(p.cmd);
          killed.add(p.pid);
          try { process.kill(p.pid, 'SIGKILL'); } catch {}
        }
      }
      finish(code, left);
    }, 200);
  });
}
if (port) {
  const server = net.createServer((c) => {
    const u = net.connect(socket);
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  server.unref();
  server.listen(Number(port), '127.0.0.1', run);
} else run();
`;

export interface Sandbox {
  /** `bubblewrap` when the scripts run isolated; undefined when they run as the user. */
  tool?: string;
  /** Why there is no sandbox, when there is none. */
  missing?: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

let found: { path?: string; missing?: string } | undefined;

/** bubblewrap, if installed and allowed to make namespaces here (a container may forbid it). */
function bwrap(): { path?: string; missing?: string } {
  if (found) return found;
  const path = onPath('bwrap');
  if (!path) return (found = { missing: 'bubblewrap (bwrap) is not installed' });
  const probe = spawnSync(path, [...isolation([]), 'true'], { encoding: 'utf8' });
  return (found =
    probe.status === 0
      ? { path }
      : { missing: `bwrap cannot isolate here: ${(probe.stderr || String(probe.error)).trim().split('\n')[0]}` });
}

export function findSandbox(): Sandbox {
  const b = bwrap();
  return b.path ? { tool: 'bubblewrap' } : { missing: b.missing! };
}

/**
 * The folders of the programs a script runs that the private /tmp would hide: Node itself and every PATH
 * entry under /tmp (a Node or tool unpacked into a temporary folder, as CI does), shown read-only again.
 */
function programsUnderTmp(): string[] {
  const dirs = [dirname(process.execPath), ...(process.env['PATH'] ?? '').split(delimiter)];
  return [...new Set(dirs.filter((d) => isAbsolute(d) && (d === '/tmp' || d.startsWith('/tmp/')) && existsSync(d)))];
}

function isolation(writable: string[], readable: string[] = []): string[] {
  return [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    ...programsUnderTmp().flatMap((d) => ['--ro-bind', d, d]),
    ...readable.flatMap((d) => ['--ro-bind', d, d]),
    ...writable.flatMap((d) => ['--bind', d, d]),
  ];
}

/** Writes the supervisor into the scratch folder (read-only to the scripts). */
export function installSupervisor(root: string): string {
  const path = join(root, 'supervise.cjs');
  writeFileSync(path, SUPERVISOR);
  return path;
}

/** The command line that runs `script` in `cwd`, isolated when bubblewrap is here. */
export function scriptCommand(options: {
  supervisor: string;
  root: string;
  writable: string[];
  cwd: string;
  script: string;
  bridge?: { port: number; socket: string };
}): { cmd: string; args: string[]; isolated: boolean } {
  const { path } = bwrap();
  const inner = [
    options.supervisor,
    path ? 'namespace' : 'group',
    path && options.bridge ? String(options.bridge.port) : '',
    options.bridge?.socket ?? '',
    options.cwd,
    options.script,
  ];
  if (!path) return { cmd: process.execPath, args: inner, isolated: false };
  return {
    cmd: path,
    args: [...isolation(options.writable, [options.root]), '--chdir', options.cwd, process.execPath, ...inner],
    isolated: true,
  };
}

/** A unix socket in `path` whose every connection is piped to the emulator or front at `url`: the sandbox's way out. */
export async function relay(path: string, url: string): Promise<{ close(): void }> {
  const { hostname, port } = new URL(url);
  const server: Server = createServer((c) => {
    const tcp = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    c.pipe(tcp).pipe(c);
    c.on('error', () => tcp.destroy());
    tcp.on('error', () => c.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return { close: () => server.close() };
}
