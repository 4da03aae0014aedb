/** `pipelines-oidc check [dir] [--json] [--schema <file>] [--token <jwt|@file>]`: verify a repository offline. */
import { runChecks, type CheckReport } from '../core/check/index.js';
import { PIPELINE_FILE } from '../core/facts/index.js';
import { UsageError } from '../errors.js';
import { READ_LIMIT, readFlagFile } from '../io/bounded-read.js';
import { readCheckTarget } from '../io/check-input.js';
import { loadSchema, schemaValidator } from '../io/schema.js';
import { bold, dim, green, red, yellow } from '../io/style.js';
import { parseCommand } from './args.js';
import { loadTemplates } from '../io/templates.js';
import { printable as p } from '../printable.js';

function readToken(cwd: string, raw: string): string {
  if (!raw.startsWith('@')) return raw.trim();
  return readFlagFile(cwd, '--token', raw.slice(1), READ_LIMIT.token).trim();
}

function printText(report: CheckReport, note: string, out: (t: string) => void): void {
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
    for (const r of report.simulation) {
      if (r.notYet) {
        lines.push(`  ${yellow('!')} ${r.role}: ${r.scenario} → not yet: ${r.notYet}`);
        continue;
      }
      const ok = r.allowed === (r.expected === 'allowed');
      lines.push(
        `  ${ok ? green('✔') : red('✖')} ${p(r.role)}: ${p(r.scenario)} → ${r.allowed ? 'allowed' : 'denied'}${r.allowed ? '' : dim(` (${p(r.reason)})`)}`,
      );
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
    dim(note),
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
  // a generated repository is also compared with what its answers give now
  const { gallery, schema: schemaFile, token: tokenFile, json } = args.options;
  const { input, model, expected } = await readCheckTarget(cwd, args.positionals[0] ?? '.', loadTemplates, {
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
    throw new UsageError(
      `check: ${args.positionals[0] ?? '.'} holds no ${PIPELINE_FILE}, IAM policy, Terraform or CloudFormation file`,
    );
  }
  const schema = input.pipeline
    ? await loadSchema(cwd, schemaFile, process.env)
    : { note: 'schema: no pipeline to check' };
  const token = tokenFile === undefined ? undefined : readToken(cwd, tokenFile);
  const validator = await schemaValidator(schema.schema);
  const report = runChecks(input, { schemaValidator: validator, model, expected, token, now: new Date() });
  if (json) process.stdout.write(`${JSON.stringify({ ...report, schema: schema.note }, null, 2)}\n`);
  else printText(report, schema.note, (t) => process.stdout.write(t));
  return report.ok ? 0 : 1;
}
