/**
 * What `check` does not read, said as findings: a symbolic link (never followed), a file too large,
 * nested too deep or unreadable, and what lies past a limit of the walk (folders too deep or too full,
 * too many entries, files or bytes in all). Deep nesting is told by one linear scan before any parser or rule
 * recurses into the file, so no file can exhaust the stack.
 */
import { MAX_NESTING, nestingDepth } from '../util/index.js';
import { hit, type Hit, type CheckInput, type SourceFile, type UnreadFile } from '../iam-eval/index.js';

/** The input without the files nested too deep, which join the unread ones. */
export function withinNestingLimit(input: CheckInput): CheckInput {
  const tooDeep: UnreadFile[] = [];
  const keep = (f: SourceFile) => {
    if (nestingDepth(f.text, { yaml: /\.(ya?ml|template)$/.test(f.file) }) <= MAX_NESTING) return true;
    tooDeep.push({ file: f.file, reason: 'too-deep', detail: `nested more than ${MAX_NESTING} levels deep` });
    return false;
  };
  return {
    ...input,
    ...(input.pipeline && !keep(input.pipeline) ? { pipeline: undefined } : {}),
    trustPolicies: input.trustPolicies.filter(keep),
    permissionPolicies: input.permissionPolicies.filter(keep),
    terraform: input.terraform.filter(keep),
    cloudformation: input.cloudformation.filter(keep),
    ...(input.terraformModules
      ? {
          terraformModules: input.terraformModules.map((m) => ({
            ...m,
            files: m.files.filter((f) => nestingDepth(f.text) <= MAX_NESTING),
          })),
        }
      : {}),
    unread: [...input.unread, ...tooDeep],
  };
}

const WHY: Record<Exclude<UnreadFile['reason'], 'symlink'>, string> = {
  'too-large': 'Split it, or keep it out of the repository: pipeline, policy and IaC files are far below 1 MB.',
  'too-deep': 'Flatten it: no pipeline, policy or IaC file needs that depth.',
  unreadable: 'Make it readable to the user running check (or run check as its owner), then check again.',
  'not-walked': 'Check that folder on its own, or keep build output and vendored code out of the repository.',
};

/** `file.unread`: a file check would judge is not read, so check cannot vouch for the repository. */
export const unreadFile = (entry: UnreadFile): Hit[] =>
  entry.reason === 'symlink'
    ? []
    : [
        hit(
          undefined,
          `not checked: ${entry.detail ?? entry.reason}; whatever it holds (an administrator grant, a stored key) goes unseen`,
          WHY[entry.reason],
        ),
      ];

/** `file.symlink`: a symbolic link is never followed (it may lead outside the repository), so its target is not checked. */
export const symlinkFile = (entry: UnreadFile): Hit[] =>
  entry.reason === 'symlink'
    ? [
        hit(
          undefined,
          'a symbolic link: check does not follow links (one may lead outside the repository), so what it points to is not checked',
          'Commit the file itself in place of the link, or run check on the folder the link points to.',
        ),
      ]
    : [];
