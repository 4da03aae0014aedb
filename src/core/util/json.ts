/** Guards for parsed JSON (and YAML) values. */

/** A plain object: not null, not a list. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
