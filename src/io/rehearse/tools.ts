/** The tools a rehearsal runs the steps with: this machine's, not the steps' images. */
import { spawnSync } from 'node:child_process';

/** `aws-cli/1.45.11` as the AWS CLI on PATH names itself, or undefined when there is none that answers. */
export function awsCliVersion(): string | undefined {
  const r = spawnSync('aws', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  // the CLI v1 printed its version on stderr before 1.18
  const first = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split(/\s+/)[0];
  return r.status === 0 && first && /^aws-cli\/\S+$/.test(first) ? first : undefined;
}
