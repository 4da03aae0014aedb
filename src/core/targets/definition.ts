/**
 * A deploy target as data: its questions, IAM statements, pipeline step and README notes. Built-in
 * targets and a user's gallery folder (JSON files) have exactly this shape.
 *
 * Strings in `statements`, `step.setup` and `step.script` may hold placeholders `{{name}}`: a question of
 * the target, or one of ROLE_PLACEHOLDERS. In statements they become parameter markers (Terraform
 * variables, CloudFormation parameters); in the step's commands, the shell-quoted answer.
 */
import { mapStrings, type Statement } from '../facts/index.js';

export interface TargetQuestion {
  /** camelCase; also the Terraform variable (snake_case) and CloudFormation parameter (PascalCase). */
  name: string;
  /** Command-line flag without dashes. */
  flag: string;
  description: string;
  /** A valid value: documentation, tests and workshop runs use it. */
  example: string;
  /** Regular expression the value must match (JavaScript, RE2 and Java alike: keep to the common subset). */
  pattern: string;
  /** May be left empty; statements and script lines with `when: <name>` are then left out. */
  optional?: boolean;
  default?: string;
  /** A path meant to be inside the repository: one whose `..` leads out of it is refused. */
  insideRepository?: boolean;
  /**
   * Names a resource each deployment environment has its own of (a bucket, a function, a stack): with
   * environments it is asked once per environment (`--<flag>.<environment>`), and each role's policy
   * names only its environment's resource.
   */
  perEnvironment?: boolean;
  /**
   * With `perEnvironment`: a plain answer (`--<flag>`) serves every environment not given one of its own,
   * for an input each environment may have its own of but often shares (a task definition file, a template).
   */
  sharedFallback?: boolean;
}

export type TargetStatement = Statement & { when?: string };
/** A command line; `when`: only with that optional question's answer, `unless`: only without it. */
export type ScriptLine = string | { run: string; when: string } | { run: string; unless: string };

/** A file the step reads from the repository: rehearsals create it in their scratch copy when it is missing. */
export interface RehearsalFile {
  path: string;
  /** The path the step reads when it is a folder holding this file (the file is made up only if it is missing). */
  reads?: string;
  /** Serialized as JSON; keys listed in `dropWhenEmpty` are left out when that question has no answer. */
  json?: unknown;
  dropWhenEmpty?: Record<string, string>;
  /** Placeholders in it become TOML/JSON string literals of their answers. */
  text?: string;
  /** Only with (or without) an answer to this question. */
  when?: string;
  unless?: string;
  /**
   * Made up only when the file at this path is made up too (a lockfile beside its package.json): a
   * repository that has the one and lacks the other must show it.
   */
  alongside?: string;
}

/** What `rehearse` needs to run the step against an emulator (see `pipelines-oidc rehearse`). */
export interface TargetRehearsal {
  /**
   * AWS CLI commands, run with full rights before the steps, that create what the step expects to exist;
   * a gallery's only in the forms seed.ts takes.
   */
  seed?: ScriptLine[];
  files?: RehearsalFile[];
  /**
   * Actions of `statements` that no rehearsal of the default answers calls, with the rehearsal that does
   * (the minimality test reads this).
   */
  conditional?: Record<string, string>;
}

export interface TargetDefinition {
  id: string;
  title: string;
  description: string;
  questions: TargetQuestion[];
  /** The pipeline the step belongs to: a custom (run by hand) pipeline, or the pipeline of a branch. */
  pipeline: { trigger: 'custom' | 'branch'; name: string };
  step: {
    name: string;
    image: string;
    services?: string[];
    /** Commands run before the step gets its credentials, e.g. installing the AWS CLI into an image without it. */
    setup?: string[];
    /** Commands run once the credentials are set and the role verified. */
    script: ScriptLine[];
  };
  /** Least privilege: resource ARNs built from the answers; `*` only where AWS offers nothing narrower. */
  statements: TargetStatement[];
  /** Why each permission is there, for the README (one line per statement). */
  notes: string[];
  rehearsal?: TargetRehearsal;
  /**
   * A release, not a deployment: its step cannot run twice for one commit (a package version, an
   * immutable tag), so with environments it runs only in the last stage. Says why, for the gallery.
   */
  release?: string;
  /**
   * A build others deploy (an image): it runs once, so with environments it runs only in the first stage,
   * and in every stage its step comes before the deployments'. Says why, for the gallery.
   */
  build?: string;
}

/** Placeholders every target may use besides its own questions. */
export const ROLE_PLACEHOLDERS = ['roleArn', 'roleName', 'account', 'region', 'partition'] as const;

export const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** Replaces each placeholder in every string (and key) of a JSON-like value. */
export function fillPlaceholders<T>(value: T, fill: (name: string) => string): T {
  return mapStrings(value, (s) => s.replace(PLACEHOLDER, (_, name: string) => fill(name)));
}

/** The statements for one role: optional ones kept only when their answer is given. */
export function targetStatements(
  def: TargetDefinition,
  given: (name: string) => boolean,
  fill: (name: string) => string,
): Statement[] {
  return def.statements
    .filter((s) => s.when === undefined || given(s.when))
    .map(({ when: _when, ...statement }) => fillPlaceholders(statement as Statement, fill));
}

export function targetSetup(def: TargetDefinition, fill: (name: string) => string): string[] {
  return (def.step.setup ?? []).map((line) => fillPlaceholders(line, fill));
}

/** Script lines with their answers filled in; lines of unanswered optional questions left out. */
function scriptLines(
  lines: readonly ScriptLine[],
  given: (name: string) => boolean,
  fill: (name: string) => string,
): string[] {
  return lines
    .filter((line) => typeof line === 'string' || ('when' in line ? given(line.when) : !given(line.unless)))
    .map((line) => fillPlaceholders(typeof line === 'string' ? line : line.run, fill));
}

export function targetScript(
  def: TargetDefinition,
  given: (name: string) => boolean,
  fill: (name: string) => string,
): string[] {
  return scriptLines(def.step.script, given, fill);
}

/** The seed commands with their answers filled in; lines of unanswered optional questions left out. */
export function rehearsalSeed(
  def: TargetDefinition,
  given: (name: string) => boolean,
  fill: (name: string) => string,
): string[] {
  return scriptLines(def.rehearsal?.seed ?? [], given, fill);
}

/**
 * The inputs the step reads from the repository, for the answers given: the path it reads (`input`) and a
 * stand-in file (`path`, `content`) a rehearsal writes into its scratch copy when the input is missing.
 */
export function rehearsalFiles(
  def: TargetDefinition,
  given: (name: string) => boolean,
  fill: (name: string) => string,
): Array<{ input: string; path: string; content: string; alongside?: string }> {
  return (def.rehearsal?.files ?? [])
    .filter((f) => (f.when === undefined || given(f.when)) && (f.unless === undefined || !given(f.unless)))
    .map((f) => {
      const dropped = Object.entries(f.dropWhenEmpty ?? {})
        .filter(([, q]) => !given(q))
        .map(([key]) => key);
      const json =
        f.json === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(f.json as Record<string, unknown>).filter(([key]) => !dropped.includes(key)),
            );
      return {
        input: fillPlaceholders(f.reads ?? f.path, fill),
        path: fillPlaceholders(f.path, fill),
        content: json
          ? `${JSON.stringify(fillPlaceholders(json, fill), null, 2)}\n`
          : fillPlaceholders(f.text ?? '', (name) => JSON.stringify(fill(name))),
        ...(f.alongside === undefined ? {} : { alongside: fillPlaceholders(f.alongside, fill) }),
      };
    });
}
