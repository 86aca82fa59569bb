// Which examples get poisoned, and how many.
import { InputError } from '../common/errors.js';

/**
 * - 'non-target': only examples whose label the policy changes (the default: dirty-label poisoning)
 * - 'target': only examples already of the target label (clean-label poisoning; labels stay correct)
 * - 'any': every example that has a trigger for its label
 */
export type SelectionPool = 'any' | 'target' | 'non-target';

export interface Selection {
  /** fraction of the whole clean set (not of the pool) to poison: round(p · N) examples */
  readonly proportion?: number;
  /** exact number of examples to poison; takes precedence over proportion */
  readonly count?: number;
  /** default 'non-target' under a target policy, 'any' otherwise */
  readonly pool?: SelectionPool;
}

export function proportion(p: number, pool?: SelectionPool): Selection {
  return pool === undefined ? { proportion: p } : { proportion: p, pool };
}

export function count(n: number, pool?: SelectionPool): Selection {
  return pool === undefined ? { count: n } : { count: n, pool };
}

/** How many examples to poison out of `total` clean ones. */
export function selectionSize(sel: Selection, total: number): number {
  if (sel.count !== undefined) {
    if (!Number.isInteger(sel.count) || sel.count < 0) throw new InputError(`poison count must be a non-negative integer, got ${sel.count}`);
    return sel.count;
  }
  if (sel.proportion === undefined) throw new InputError('a selection needs a proportion or a count');
  if (!(sel.proportion >= 0 && sel.proportion <= 1)) throw new InputError(`poison proportion must be in [0, 1], got ${sel.proportion}`);
  return Math.round(sel.proportion * total);
}
