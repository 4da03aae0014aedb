/**
 * Parametric values. Policies and resource names are built once, as data, with each answer that IaC
 * receives as a variable left as a marker; the JSON files resolve the markers to the answers, Terraform
 * turns them into `${var.…}` and CloudFormation into `!Sub "${…}"`. One value, three renderings.
 */
import type { Json } from '../util/index.js';

/** How one marker appears in each rendering. */
export interface ParamSpec {
  /** Key in `RepoModel.values`. */
  name: string;
  /** Terraform expression, e.g. `var.role_name`. */
  terraform: string;
  /**
   * CloudFormation: a parameter or pseudo parameter name usable in `!Sub`/`!Ref`, or `literal` where
   * CloudFormation cannot take a parameter (IAM condition keys contain it, and keys cannot be computed).
   */
  cloudformation: { ref: string } | 'literal';
}

// Private-use code points: answers are validated and never contain them, constants here never do.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARKER = /\uE000([a-z][A-Za-z0-9]*)\uE001/g;

export const PARAMS = {
  partition: {
    name: 'partition',
    terraform: 'data.aws_partition.current.partition',
    cloudformation: { ref: 'AWS::Partition' },
  },
  account: { name: 'account', terraform: 'var.account_id', cloudformation: { ref: 'AWS::AccountId' } },
  region: { name: 'region', terraform: 'var.aws_region', cloudformation: { ref: 'AWS::Region' } },
  workspace: { name: 'workspace', terraform: 'var.workspace', cloudformation: 'literal' },
  workspaceUuid: { name: 'workspaceUuid', terraform: 'var.workspace_uuid', cloudformation: { ref: 'WorkspaceUuid' } },
  repoUuid: { name: 'repoUuid', terraform: 'var.repository_uuid', cloudformation: { ref: 'RepositoryUuid' } },
  roleName: { name: 'roleName', terraform: 'var.role_name', cloudformation: { ref: 'RoleName' } },
} as const satisfies Record<string, ParamSpec>;

/** Base parameters have the names above; target answers and environment UUIDs add their own. */
export type ParamName = string;

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const pascal = (name: string) => name[0]!.toUpperCase() + name.slice(1);

/**
 * How a parameter appears in Terraform and CloudFormation: the base ones as listed, every other one by
 * convention (`distributionId` → `var.distribution_id` and the CloudFormation parameter `DistributionId`).
 */
export function paramSpec(name: ParamName): ParamSpec {
  return (
    (PARAMS as Record<string, ParamSpec>)[name] ?? {
      name,
      terraform: `var.${snake(name)}`,
      cloudformation: { ref: pascal(name) },
    }
  );
}

/** The value of every parameter: the base ones always, target answers and environment UUIDs as chosen. */
export type ParamValues = Record<keyof typeof PARAMS, string> & Record<string, string>;

/** A name that can be a parameter: camelCase letters and digits. */
export const PARAM_NAME = /^[a-z][A-Za-z0-9]*$/;

/** The marker that stands for a parameter inside a string. */
export function param(name: ParamName): string {
  return OPEN + name + CLOSE;
}

export type Part = string | { param: ParamName };

/** Splits a string into literal text and parameter references. */
export function splitParams(s: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of s.matchAll(MARKER)) {
    if (m.index > last) parts.push(s.slice(last, m.index));
    parts.push({ param: m[1] as string });
    last = m.index + m[0].length;
  }
  if (last < s.length) parts.push(s.slice(last));
  return parts;
}

export function hasParams(s: string): boolean {
  return s.includes(OPEN);
}

/** Replaces every marker, in keys and values, by its value (the JSON files, the README). */
export function resolveParams<T extends Json>(value: T, values: Readonly<Record<string, string>>): T {
  const str = (s: string) =>
    s.replace(MARKER, (_, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`no value for parameter ${name}`);
      return v;
    });
  return mapStrings(value, str);
}

/** Applies `f` to every string of a JSON-like value, object keys included. */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return f(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}
