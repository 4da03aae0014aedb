/**
 * `check --format sarif`: the findings as a SARIF 2.1.0 log (code scanning, review tools). Every rule of
 * the rule table is a rule of the log, described by its line of the table; every finding is a result at
 * its file (relative to the folder `check` ran in: in CI, the repository's root) and line. With a
 * baseline, the findings it holds are results too, marked as suppressed outside the source.
 */
import { RULES, type Finding } from '../core/check/index.js';

export const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface SarifInput {
  /** The findings that count. */
  findings: readonly Finding[];
  /** With a baseline: the findings it suppresses, and the baseline's name as given. */
  baseline?: { file: string; suppressed: readonly Finding[] };
  toolVersion: string;
  /** The checked folder, relative to where `check` ran (`/`-separated; empty for the same folder). */
  folder?: string;
}

/** A rule's title is one line of Markdown; the plain text leaves out its code marks. */
const plain = (markdown: string) => markdown.replace(/`/g, '');

/** A path as a relative URI reference: each segment percent-encoded, so any file name stays one valid reference. */
const uriOf = (path: string) => path.split('/').map(encodeURIComponent).join('/');

const ruleIndex = new Map<string, number>(RULES.map((r, i) => [r.id, i]));

function result(f: Finding, folder: string, baselineState?: 'new' | 'unchanged', justification?: string) {
  return {
    ruleId: f.id,
    ruleIndex: ruleIndex.get(f.id)!,
    level: f.severity,
    message: { text: `${f.message}\nfix: ${f.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uriOf(folder ? `${folder}/${f.file}` : f.file), uriBaseId: '%SRCROOT%' },
          ...(f.line === undefined ? {} : { region: { startLine: f.line } }),
        },
      },
    ],
    ...(baselineState ? { baselineState } : {}),
    ...(justification === undefined ? {} : { suppressions: [{ kind: 'external', justification }] }),
  };
}

/** The log as data; `JSON.stringify` writes it. */
export function sarifLog({ findings, baseline, toolVersion, folder = '' }: SarifInput): object {
  const suppressed = baseline?.suppressed ?? [];
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pipelines-oidc',
            version: toolVersion,
            rules: RULES.map((r) => ({
              id: r.id,
              shortDescription: { text: plain(r.title) },
              fullDescription: { text: plain(r.title), markdown: r.title },
              help: {
                text: `pipelines-oidc check reports ${r.id} (${r.severity}) when ${plain(r.title)}. Each result says what to change.`,
                markdown: `\`${r.id}\` (${r.severity}): ${r.title}. Each result says what to change.`,
              },
              defaultConfiguration: { level: r.severity },
            })),
          },
        },
        results: [
          ...findings.map((f) => result(f, folder, baseline && 'new')),
          ...suppressed.map((f) => result(f, folder, 'unchanged', `in the baseline ${baseline!.file}`)),
        ],
      },
    ],
  };
}
