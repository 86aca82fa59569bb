// Options every recipe takes, and how they become a label policy and a selection.
import { InputError } from '../../common/errors.js';
import { reverse, target, type LabelPolicy, type LabelRef } from '../label-policy.js';
import type { PoisonMode } from '../recipe.js';
import type { Selection } from '../selection.js';

export interface CommonOptions {
  /** fraction of the clean set to poison (default 0.1) */
  proportion?: number;
  /** exact number of examples to poison, instead of a proportion */
  count?: number;
  mode?: PoisonMode;
  /** clean-label: poison only examples already of the target label */
  cleanLabel?: boolean;
}

export interface LabelOptions extends CommonOptions {
  /** target label (index or name), or 'reverse' to flip labels */
  target?: LabelRef | 'reverse';
  /** for 'reverse' on multi-class data: source label → new label */
  mapping?: Readonly<Record<string, LabelRef>>;
}

export const DEFAULT_PROPORTION = 0.1;

export function labelPolicyOf(o: LabelOptions, fallback: LabelRef | 'reverse'): LabelPolicy {
  const t = o.target ?? fallback;
  if (t !== 'reverse' && o.mapping !== undefined) throw new InputError('a label mapping only applies to target "reverse"', undefined, undefined, 'mapping');
  return t === 'reverse' ? reverse(o.mapping) : target(t);
}

export function selectionOf(o: CommonOptions): Selection {
  const pool = o.cleanLabel ? ('target' as const) : undefined;
  const amount = o.count !== undefined ? { count: o.count } : { proportion: o.proportion ?? DEFAULT_PROPORTION };
  return pool ? { ...amount, pool } : amount;
}
