/**
 * `pipeline.token-exposed`: a step's OIDC token is a bearer credential until it expires. Writing it to a
 * file the step keeps (an artifact, a cache) or printing it to the log (`echo`, an environment dump,
 * `set -x` before a command that uses it) hands it to whoever reads those. A token file in a temporary
 * folder, as `AWS_WEB_IDENTITY_TOKEN_FILE` wants it, stays in the step and is fine.
 */
import { hit, type Hit } from '../iam-eval/index.js';
import type { PipelineSource } from './pipeline-findings.js';
import { oidcEnabled, type Step } from './pipeline-steps.js';
import { stepOutputs, type StepOutput } from './step-outputs.js';

const TOKEN = /\$\{?BITBUCKET_STEP_OIDC_TOKEN\b/;
const XTRACE_ON = /^set\s+(?:-[a-z]*x[a-z]*|-o\s+xtrace)\b/;
const XTRACE_OFF = /^set\s+(?:\+[a-z]*x[a-z]*|\+o\s+xtrace)\b/;
/** Commands that print every variable of the environment (and the shell's, for `set`). */
const ENV_DUMP = /^(?:env|printenv|set|export\s+-p|declare\s+-[px]|printenv\s+BITBUCKET_STEP_OIDC_TOKEN)$/;
const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

const unquote = (word: string) => word.replace(/^(["'])(.*)\1$/, '$2');

/** The stages of each command of a line: `a && b | c; d` is [[a], [b, c], [d]]. */
const commandsOfLine = (text: string) =>
  text
    .split(/&&|\|\||;|\n/)
    .map((c) => c.split('|').map((s) => s.trim()))
    .filter((c) => c[0]);

/** Where a command sends its output: a file, stderr or stdout (both in the log). */
const REDIRECT = /(?:^|[^0-9&])>{1,2}\s*(&?\s*[^\s;]+|"[^"]*"|'[^']*')/;

function redirectOf(command: string): { file?: string; log: boolean } {
  const m = REDIRECT.exec(command);
  if (!m) return { log: true };
  return m[1]!.startsWith('&') ? { log: true } : { file: unquote(m[1]!), log: false };
}

export function tokenExposed(pipeline: PipelineSource): Hit[] {
  return pipeline.steps.flatMap((step) =>
    oidcEnabled(pipeline.src, step.map)
      ? stepExposure(step, pipeline.root && stepOutputs(pipeline.src, pipeline.root, step.map))
      : [],
  );
}

function stepExposure(step: Step, outputs: StepOutput[] | undefined): Hit[] {
  const hits: Hit[] = [];
  /** Variables set to a literal path, to follow `> "$TOKEN_FILE"`; a `$(mktemp)` one is unknown. */
  const paths = new Map<string, string | undefined>();
  const tokenFiles = new Set<string>();
  let xtrace: number | undefined;
  const resolve = (word: string): string | undefined => {
    const v = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(word);
    return v ? paths.get(v[1]!) : word.includes('$') ? undefined : word;
  };
  const printed = (line: number | undefined, how: string) =>
    hits.push(
      hit(
        line,
        `${step.path} prints the OIDC token to the log (${how}): anyone who can read the build log can assume the step's role until the token expires`,
        'Never print $BITBUCKET_STEP_OIDC_TOKEN (to see its claims, print only its middle part: cut -d. -f2 | base64 -d), and turn tracing off (set +x) before commands that use it.',
      ),
    );
  const written = (line: number | undefined, path: string) => {
    const kept = outputs?.find((o) => o.matches(path));
    if (kept)
      hits.push(
        hit(
          line,
          `${step.path} writes the OIDC token to ${path}, which the step keeps as ${kept.kind === 'artifact' ? `an artifact (${kept.pattern})` : `a cache (${kept.pattern})`}: later steps, and whoever downloads it, can assume the step's role until the token expires`,
          'Write the token to a temporary file outside the clone directory (AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"), never to a path of artifacts: or caches:.',
        ),
      );
  };
  for (const c of step.commands) {
    if (c.kind !== 'command') continue;
    for (const stages of commandsOfLine(c.text)) {
      const first = stages[0]!;
      const last = stages[stages.length - 1]!;
      const whole = stages.join(' | ');
      const assignment = ASSIGNMENT.exec(first);
      if (assignment && stages.length === 1) {
        const value = unquote(assignment[2]!.trim());
        paths.set(assignment[1]!, /[$`\s]/.test(value) ? undefined : value);
      }
      if (XTRACE_ON.test(first)) xtrace = c.line;
      if (XTRACE_OFF.test(first)) xtrace = undefined;
      const usesToken = TOKEN.test(whole);
      if (usesToken && xtrace !== undefined && !XTRACE_ON.test(first))
        printed(c.line, `set -x${xtrace ? ` at line ${xtrace}` : ''} prints the command with the token in it`);
      const out = redirectOf(last);
      const tee = /^tee\s+(?:-a\s+)?(\S+)/.exec(last);
      const target = out.file ?? (tee ? unquote(tee[1]!) : undefined);
      const dump =
        ENV_DUMP.test(first.replace(REDIRECT, '').trim()) &&
        (stages.length === 1 ? true : !/^grep\b/.test(stages[1]!) || /OIDC|TOKEN|BITBUCKET/i.test(stages[1]!));
      const prints = /^(?:echo|printf)\b/.test(first) && usesToken;
      const readsTokenFile =
        /^cat\s/.test(first) &&
        first
          .split(/\s+/)
          .slice(1)
          .some((w) => {
            const path = resolve(unquote(w));
            return path !== undefined && tokenFiles.has(path);
          });
      const emits = prints || dump || readsTokenFile;
      // a dump shows the token through any filter but grep for other names; the token itself only unchanged
      const shown = dump || stages.length === 1 || /^(?:tee|cat)\b/.test(last);
      if (emits && shown && (out.log || tee))
        printed(
          c.line,
          dump
            ? first
            : readsTokenFile
              ? 'cat of the token file'
              : `${first.split(/\s/)[0]} of $BITBUCKET_STEP_OIDC_TOKEN`,
        );
      if (emits && target) {
        const path = resolve(target);
        if (path !== undefined) {
          tokenFiles.add(path);
          written(c.line, path);
        }
      }
    }
  }
  return hits;
}
