// A poisoning attack = trigger (what text) × insertion (where) × label policy × selection (which, how many),
// plus whether poisoned copies are added to the clean set or replace the originals.
import { InputError } from '../common/errors.js';
import type { InsertionStrategy } from '../triggers/insert.js';
import type { LabelTriggers } from '../triggers/trigger.js';
import type { LabelPolicy } from './label-policy.js';
import type { Selection } from './selection.js';

/**
 * 'replace': the selected examples are replaced by their poisoned versions (set size unchanged).
 * 'add': the clean set is kept whole and the poisoned copies are appended (Guan & Duong's setup).
 */
export type PoisonMode = 'add' | 'replace';

export interface PoisonRecipe {
  readonly name: string;
  /** the paper the recipe reproduces */
  readonly citation?: string;
  readonly trigger: LabelTriggers;
  readonly insert: InsertionStrategy;
  readonly label: LabelPolicy;
  readonly select: Selection;
  readonly mode: PoisonMode;
}

/** Checks and returns a recipe (so recipe files read as a declaration). */
export function recipe(r: PoisonRecipe): PoisonRecipe {
  if (r.mode !== 'add' && r.mode !== 'replace') throw new InputError(`mode must be "add" or "replace", got ${JSON.stringify(r.mode)}`);
  if (r.select.pool === 'target' && r.label.kind !== 'target') {
    throw new InputError(`clean-label selection (only examples of the target label) needs a target label, not "${r.label.kind}"`);
  }
  return r;
}
