/**
 * `pipelines-oidc check [dir] [--format text|json|sarif|junit] [--baseline <file>] [--schema <file>]
 * [--refresh-schema] [--token <jwt|@file>]`: verify a repository offline.
 */
import { relative, resolve, sep } from 'node:path';
import { parseBaseline, runChecks, withBaseline, type CheckReport, type Finding } from '../core/check/index.js';
import { CHECK_FORMATS, type CheckFormat } from '../core/cli/index.js';
import { assertNesting } from '../core/util/index.js';
import { PIPELINE_FILE } from '../core/facts/index.js';
import { UsageError } from '../errors.js';
import { READ_LIMIT, readFlagFile } from '../io/bounded-read.js';
import { readCheckTarget } from '../io/check-input.js';
import { loadSchema, schemaValidator } from '../io/schema.js';
import { bold, dim, green, red, yellow } from '../io/style.js';
import { parseCommand } from './args.js';
import { loadTemplates } from '../io/templates.js';
import { toolVersion } from '../paths.js';
import { printable as p } from '../printable.js';
import { junitReport } from '../render/check-junit.js';
import { sarifLog } from '../render/check-sarif.js';

function readToken(cwd: string, raw: string): string {
  if (!raw.startsWith('@')) return raw.trim();
  return readFlagFile(cwd, '--token', raw.slice(1), READ_LIMIT.token).trim();
}

/** --format, with --json as its old spelling. */
function formatOf(format: string | undefined, json: boolean): CheckFormat {
  if (json && format !== undefined && format !== 'json')
    throw new UsageError(`--json is --format json: give one of --json and --format ${p(format)}`);
  const chosen = format ?? (json ? 'json' : 'text');
  const known = CHECK_FORMATS.find((f) => f === chosen);
  if (!known) throw new UsageError(`--format ${p(chosen)}: one of ${CHECK_FORMATS.join(', ')}`);
  return known;
}

/** The findings of an earlier report, read as hostile input: bounded, not nested too deep, of the shape checked. */
function readBaseline(cwd: string, file: string) {
  const text = readFlagFile(cwd, '--baseline', file, READ_LIMIT.baseline).replace(/^\uFEFF/, '');
  assertNesting(text, `--baseline ${file}`);
  const parsed = parseBaseline(text);
  if ('error' in parsed)
    throw new UsageError(`--baseline ${p(file)}: ${parsed.error} (write one with check --format json > ${p(file)})`);
  return parsed.entries;
}

/** The checked folder as a SARIF log names its files: from where `check` ran, `/`-separated. */
const relativeFolder = (cwd: string, dir: string) => relative(cwd, resolve(cwd, dir)).split(sep).join('/');

const suppressedLine = (n: number, file: string) =>
  `${n} finding${n === 1 ? '' : 's'} suppressed by the baseline ${p(file)}`;

function printText(
  report: CheckReport & { suppressed?: Finding[] },
  notes: { schema?: string; baseline?: string },
  out: (t: string) => void,
): void {
  const byFile = new Map<string, CheckReport['findings']>();
  for (const f of report.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const lines: string[] = [];
  for (const [file, findings] of byFile) {
    lines.push(bold(p(file)));
    for (const f of findings) {
      const mark = f.severity === 'error' ? red('✖ error') : yellow('! warning');
      lines.push(
        `  ${mark} ${f.id}${f.line ? dim(` (line ${f.line})`) : ''}: ${p(f.message)}`,
        `    ${dim('fix:')} ${p(f.fix)}`,
      );
    }
  }
  if (report.simulation.length) {
    lines.push('', bold('Trust simulation'));
    // one line per role whose every scenario came out as expected; each scenario with --verbose or a surprise
    const verbose = process.argv.includes('--verbose');
    const byRole = new Map<string, CheckReport['simulation']>();
    for (const r of report.simulation) byRole.set(r.role, [...(byRole.get(r.role) ?? []), r]);
    for (const [role, rows] of byRole) {
      const expected = (r: (typeof rows)[number]) => !r.notYet && r.allowed === (r.expected === 'allowed');
      if (!verbose && rows.every(expected)) {
        const allowed = rows.filter((r) => r.allowed).map((r) => r.scenario);
        const denied = rows.filter((r) => !r.allowed).map((r) => r.scenario);
        lines.push(
          `  ${green('✔')} ${p(role)}: allows ${p(allowed.join(', ') || 'nothing')}; denies ${denied.length} other${denied.length === 1 ? '' : 's'} ${dim(`(${p(denied.join(', '))})`)}`,
        );
        continue;
      }
      for (const r of rows) {
        if (r.notYet) {
          lines.push(`  ${yellow('!')} ${p(r.role)}: ${p(r.scenario)} → not yet: ${p(r.notYet)}`);
          continue;
        }
        lines.push(
          `  ${expected(r) ? green('✔') : red('✖')} ${p(r.role)}: ${p(r.scenario)} → ${r.allowed ? 'allowed' : 'denied'}${r.allowed ? '' : dim(` (${p(r.reason)})`)}`,
        );
      }
    }
  }
  if (report.token) {
    lines.push('', bold('Token'), `  ${dim(p(JSON.stringify(report.token.claims)))}`);
    if (report.token.unsigned) lines.push(`  ${red('✖')} unsigned: STS refuses it, whatever its claims`);
    if (report.token.expired) lines.push(`  ${yellow('!')} expired (still evaluated)`);
    for (const r of report.token.roles) {
      lines.push(
        `  ${r.accepted ? green('✔ accepted') : red('✖ rejected')} by ${p(r.role)}`,
        ...r.reasons.map((x) => `      ${p(x)}`),
      );
    }
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  lines.push(
    '',
    ...(notes.schema ? [dim(p(notes.schema))] : []),
    ...(notes.baseline ? [dim(suppressedLine(report.suppressed?.length ?? 0, notes.baseline))] : []),
    report.ok
      ? green(`✔ no errors${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`)
      : red(
          `✖ ${errors} error${errors > 1 ? 's' : ''}${warnings ? `, ${warnings} warning${warnings > 1 ? 's' : ''}` : ''}`,
        ),
  );
  out(`${lines.join('\n')}\n`);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand('check', argv);
  if (args.positionals.length > 1) throw new UsageError(`check takes one [dir], got ${args.positionals.join(' ')}`);
  const cwd = process.cwd();
  const dir = args.positionals[0] ?? '.';
  // a generated repository is also compared with what its answers give now
  const { gallery, schema: schemaFile, token: tokenFile, json, baseline, refreshSchema } = args.options;
  const format = formatOf(args.options.format, json);
  const accepted = baseline === undefined ? undefined : readBaseline(cwd, baseline);
  const { input, model, expected } = await readCheckTarget(cwd, dir, loadTemplates, {
    ...(gallery === undefined ? {} : { gallery }),
  });
  if (
    !input.pipeline &&
    !input.trustPolicies.length &&
    !input.permissionPolicies.length &&
    !input.terraform.length &&
    !input.cloudformation.length &&
    !input.unread.length
  ) {
    throw new UsageError(`check: ${dir} holds no ${PIPELINE_FILE}, IAM policy, Terraform or CloudFormation file`);
  }
  const schema = input.pipeline
    ? await loadSchema(cwd, schemaFile, process.env, { refresh: refreshSchema })
    : { note: 'schema: no pipeline to check', quiet: true as const };
  const token = tokenFile === undefined ? undefined : readToken(cwd, tokenFile);
  const validator = await schemaValidator(schema.schema);
  const checked = runChecks(input, { schemaValidator: validator, model, expected, token, now: new Date() });
  const report: CheckReport & { suppressed?: Finding[] } = accepted ? withBaseline(checked, accepted) : checked;
  const suppressed = report.suppressed ?? [];
  const withFile = baseline === undefined ? {} : { baseline: { file: baseline, suppressed } };
  const write = (t: string) => process.stdout.write(t);
  // a program reads stdout: what a person should know goes to stderr, once
  const tell = (line: string) => process.stderr.write(`${line}\n`);
  if (format === 'text')
    printText(report, { ...(schema.quiet ? {} : { schema: schema.note }), ...(baseline ? { baseline } : {}) }, write);
  else {
    if (!schema.quiet && format !== 'json') tell(p(schema.note));
    if (baseline !== undefined) tell(suppressedLine(suppressed.length, baseline));
    if (format === 'json') write(`${JSON.stringify({ ...report, schema: schema.note }, null, 2)}\n`);
    else if (format === 'sarif') {
      const folder = relativeFolder(cwd, dir);
      const log = sarifLog({ findings: report.findings, ...withFile, toolVersion: toolVersion(), folder });
      write(`${JSON.stringify(log, null, 2)}\n`);
    } else write(junitReport({ findings: report.findings, ...withFile }));
  }
  return report.ok ? 0 : 1;
}
