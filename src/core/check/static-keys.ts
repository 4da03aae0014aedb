/**
 * `pipeline.static-keys`: steps that rely on stored access keys. A key the step sets is a stored one
 * whatever it is set from (a literal, another variable, a file, a command's output), unless it comes from
 * an STS answer the same step got: a session's keys, as our assume-role mode exports them.
 */
import { hit, type Hit } from '../iam-eval/index.js';
import type { PipelineSource } from './pipeline-findings.js';
import { stringsIn, type Step } from './pipeline-steps.js';
import type { YamlSource } from './yaml-source.js';

const STATIC_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
/** `$AWS_ACCESS_KEY_ID`, `${AWS_ACCESS_KEY_ID}`, `${AWS_ACCESS_KEY_ID:-…}`: a use, not an assignment. */
const STATIC_KEY_USE = /\$\{?(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)\b/g;
const STS_CALL = /\bsts\s+assume-role(?:-with-web-identity)?\b/;
/** A key written into the step itself: an access key ID, a key assigned a literal, `aws configure set` of one. */
const LITERAL_KEYS: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/, what: 'an access key ID written literally' },
  {
    pattern: /\b(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)\s*[=:]\s*["']?[^\s"'$`]/,
    what: 'an access key assigned literally',
  },
  {
    pattern: /\baws\s+configure\s+set\s+(?:\S+\.)?aws_(?:access_key_id|secret_access_key)\b/i,
    what: 'aws configure set of an access key',
  },
];
const literalKeys = (text: string) => LITERAL_KEYS.filter((k) => k.pattern.test(text)).map((k) => k.what);

/** A key assigned what the step reads from elsewhere: `$(cat …)`, `$(…)`, `` `…` ``, `$OTHER`. */
const KEY_FROM_ELSEWHERE =
  /\b(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=["']?(\$\(|`|\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9@*]))/g;
/** `read AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY < file`. */
const KEY_READ = /\bread\b(?:\s+-\S+)*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*?\s+(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)\b/;
const FROM_FILE = /^\$\(\s*(?:cat\b|<)/;
/** Names a command assigns (`name=`, `read a b c`). */
const ASSIGNED = /(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=/g;
const READ_NAMES = /\bread\b((?:\s+-\S+)*)((?:\s+[A-Za-z_][A-Za-z0-9_]*)+)/;

/** Where a key comes from, for the message: the text after `KEY=`. */
function sourceOf(command: string, key: string, start: string, variable: string | undefined): string {
  if (variable) return `$${variable}`;
  const rest = command.slice(command.indexOf(`${key}=`) + key.length + 1).replace(/^["']/, '');
  if (FROM_FILE.test(rest)) return 'a file';
  return start === '`' || start === '$(' ? "a command's output" : 'elsewhere';
}

/** What a step knows of STS answers so far: the variables holding one, and `set --` of one. */
interface StsAnswers {
  names: Set<string>;
  positional: boolean;
}

/** Whether the command's text comes from an STS answer: it calls STS or reads a variable holding an answer. */
function fromSts(text: string, sts: StsAnswers): boolean {
  if (STS_CALL.test(text)) return true;
  if (sts.positional && /\$\{?[1-9@*]/.test(text)) return true;
  return [...sts.names].some((n) => new RegExp(`\\$\\{?${n}\\b`).test(text));
}

function learn(text: string, sts: StsAnswers): void {
  for (const m of text.matchAll(ASSIGNED)) sts.names.add(m[1]!);
  const read = READ_NAMES.exec(text);
  for (const name of read?.[2]?.trim().split(/\s+/) ?? []) sts.names.add(name);
  if (/\bset\s+--/.test(text)) sts.positional = true;
}

/** The stored keys a script command relies on; an STS answer's keys make `ownKeys` (a session's) true. */
function commandKeys(text: string, sts: StsAnswers): { names: string[]; session: boolean } {
  if (fromSts(text, sts)) {
    learn(text, sts);
    const setsKey = /\b(?:AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=/.test(text) || KEY_READ.test(text);
    return { names: [...text.matchAll(STATIC_KEY_USE)].map((m) => m[1]!), session: setsKey };
  }
  const assigned = [...text.matchAll(KEY_FROM_ELSEWHERE)].map(
    (m) => `${m[1]!} set from ${sourceOf(text, m[1]!, m[2]!, m[3])}`,
  );
  const read = KEY_READ.exec(text);
  return {
    names: [
      ...[...text.matchAll(STATIC_KEY_USE)].map((m) => m[1]!),
      ...literalKeys(text),
      ...assigned,
      ...(read ? [`${read[1]!} read from ${/</.test(text) ? 'a file' : 'input'}`] : []),
    ],
    session: false,
  };
}

/** `pipeline.static-keys`: steps that rely on stored access keys. */
export function staticKeys(pipeline: PipelineSource): Hit[] {
  // lines already reported, for commands a shared (anchored) step brings into several steps
  const reported = new Set<number | undefined>();
  return pipeline.steps.flatMap((step) => stepStaticKeys(pipeline.src, step, reported));
}

function stepStaticKeys(src: YamlSource, step: Step, reported: Set<number | undefined>): Hit[] {
  const uses: Array<{ line: number | undefined; names: string[]; where: string }> = [];
  // the image is pulled before any command runs: keys in its credentials are stored ones
  const image = stringsIn(src, src.get(step.map, 'image')?.value ?? null).flatMap((s) =>
    [...s.matchAll(STATIC_KEY_USE)].map((m) => m[1]!),
  );
  if (image.length)
    uses.push({ line: src.get(step.map, 'image')?.line, names: image, where: 'the image credentials use' });
  const sts: StsAnswers = { names: new Set(), positional: false };
  let ownKeys = false;
  for (const c of step.commands) {
    if (c.kind === 'command') {
      const keys = commandKeys(c.text, sts);
      if (!ownKeys && keys.names.length) uses.push({ line: c.line, names: keys.names, where: 'the script uses' });
      // keys the step exported from an STS answer are a session's, not stored ones
      ownKeys ||= keys.session;
    } else if (!ownKeys) {
      for (const v of c.variables) {
        const names = [
          ...((STATIC_KEYS as readonly string[]).includes(v.name) ? [v.name] : []),
          ...[...v.text.matchAll(STATIC_KEY_USE)].map((m) => m[1]!),
          ...literalKeys(v.text),
        ];
        if (names.length) uses.push({ line: v.line, names, where: `the pipe ${c.name} gets` });
      }
    }
  }
  return uses
    .filter((u) => (reported.has(u.line) ? false : (reported.add(u.line), true)))
    .map((u) =>
      hit(
        u.line,
        `${step.path}: ${u.where} ${[...new Set(u.names)].join(' and ')}: stored long-lived access keys, which OIDC is there to replace`,
        `Give ${step.path} oidc: true and take credentials from the role (AWS_OIDC_ROLE_ARN for Atlassian's AWS pipes, the token file for the AWS CLI), then delete the access-key variables in Bitbucket and deactivate the keys in IAM.`,
      ),
    );
}
