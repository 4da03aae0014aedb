/**
 * Every shell command the README shows works: its `sh` blocks run one after the other in an empty
 * folder, `pipelines-oidc` being the built CLI and AWS the local IAM endpoint. A block that cannot run
 * here says why in a `<!-- not run: … -->` line just above it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, GIT_IDENTITY, ROOT, tempDir } from '../support/fixtures.ts';
import { awsEnv, startIamEndpoint } from '../support/iam-endpoint.ts';

interface Block {
  line: number;
  script: string;
  notRun?: string;
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

function shellBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    const notRun = /^<!-- not run: (.*) -->$/.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({ line: i + 1, script: lines.slice(i + 1, end).join('\n'), ...(notRun ? { notRun } : {}) });
    i = end;
  }
  return blocks;
}

const BLOCKS = shellBlocks(readme);

test('the README has shell blocks to run, and each one not run says why', () => {
  assert.ok(BLOCKS.filter((b) => !b.notRun).length >= 3, 'some blocks run');
  for (const b of BLOCKS) if (b.notRun !== undefined) assert.ok(b.notRun.trim().length > 10, `line ${b.line}`);
  // indented fences would hide a block from this test
  assert.not.match(readme, /^ +```sh/m);
});

test('every README sh block that is run exits 0 (offline, in an empty folder)', async () => {
  const tmp = tempDir('pipelines-oidc-readme-');
  const iam = await startIamEndpoint({ account: '123456789012' });
  try {
    const bin = join(tmp.path, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'pipelines-oidc'),
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
    );
    chmodSync(join(bin, 'pipelines-oidc'), 0o755);
    const work = join(tmp.path, 'work');
    mkdirSync(work);
    const env = {
      ...process.env,
      ...GIT_IDENTITY,
      ...awsEnv(iam),
      PATH: `${bin}:${process.env['PATH']}`,
      HOME: tmp.path,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CEILING_DIRECTORIES: tmp.path,
      PIPELINES_OIDC_SCHEMA_URL: 'http://127.0.0.1:9/unreachable',
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      FORCE_COLOR: undefined,
      NO_COLOR: '1',
    };
    for (const b of BLOCKS.filter((x) => !x.notRun)) {
      // asynchronously: the IAM endpoint answers from this process
      const r = await new Promise<{ status: number | null; output: string }>((done) => {
        const child = spawn('sh', ['-e', '-c', b.script], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c));
        child.stderr.on('data', (c: Buffer) => (output += c));
        child.on('close', (status) => done({ status, output }));
      });
      assert.is(r.status, 0, `README.md line ${b.line}:\n${b.script}\n${r.output}`);
    }
  } finally {
    await iam.close();
    tmp.cleanup();
  }
});

test.run();
