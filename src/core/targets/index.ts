/** The gallery of deploy targets, by id. */
import { stsCheck } from './sts-check.js';
import type { Target } from './types.js';

export type { Target, TargetContext } from './types.js';

export const TARGETS: readonly Target[] = [stsCheck];

export const TARGET_IDS = TARGETS.map((t) => t.id);

export function targetById(id: string): Target {
  const target = TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`unknown target ${id}`);
  return target;
}
