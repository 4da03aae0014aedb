/**
 * Readers of Bitbucket's answers: each takes the parsed JSON and returns the fields we use, or throws a
 * ShapeError saying what is not as Bitbucket sends it. A UUID must be `{uuid}`, a name must be the one
 * asked for: an answer that is not about what we asked is not taken for it.
 */
import { readUuid } from '../../core/facts/index.js';
import { isObject } from '../../core/util/index.js';

export class ShapeError extends Error {}

export type Reader<T> = (value: unknown) => T;

const shown = (value: unknown) => (JSON.stringify(value) ?? String(value)).slice(0, 80);

export function object(value: unknown, what = 'the answer'): Record<string, unknown> {
  if (!isObject(value)) throw new ShapeError(`${what} is ${shown(value)}, not an object`);
  return value;
}

export function text(o: Record<string, unknown>, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ShapeError(`${what}.${key} is ${shown(v)}, not a string`);
  return v;
}

export function optionalText(o: Record<string, unknown>, key: string, what: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : text(o, key, what);
}

/** `{uuid}` exactly as Bitbucket writes a UUID in its answers. */
export function bracedUuid(o: Record<string, unknown>, key: string, what: string): string {
  const v = text(o, key, what);
  const read = readUuid(v);
  if (!read?.open || !read.close) throw new ShapeError(`${what}.${key} is ${shown(v)}, not a {UUID}`);
  return v;
}

/** The answer names `expected` (Bitbucket's slugs and names compare without case). */
export function same(actual: string, expected: string, what: string): string {
  if (actual.toLowerCase() !== expected.toLowerCase())
    throw new ShapeError(`${what} is ${shown(actual)}, not ${shown(expected)} as asked`);
  return actual;
}

/** The same UUID, braces and case aside. */
export function sameUuid(actual: string, expected: string, what: string): string {
  if (readUuid(actual)?.uuid !== readUuid(expected)?.uuid)
    throw new ShapeError(`${what} is ${shown(actual)}, not ${shown(expected)} as asked`);
  return actual;
}

/** A page of a list: its values, each read by `item`, and the link to the next page. */
export function page<T>(value: unknown, item: Reader<T>): { values: T[]; next?: string } {
  const o = object(value);
  if (!Array.isArray(o['values'])) throw new ShapeError(`values is ${shown(o['values'])}, not a list`);
  const next = optionalText(o, 'next', 'the page');
  return { values: o['values'].map(item), ...(next === undefined ? {} : { next }) };
}
