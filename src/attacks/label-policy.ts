// What a poisoned example's label becomes: a fixed target label, the reversed label, or unchanged.
import { InputError } from '../common/errors.js';
import { resolveLabelKey } from '../triggers/trigger.js';

/** A label given by index or by name. */
export type LabelRef = number | string;

export type LabelPolicy =
  | { readonly kind: 'target'; readonly target: LabelRef }
  | { readonly kind: 'reverse'; readonly mapping?: Readonly<Record<string, LabelRef>> }
  | { readonly kind: 'keep' };

/** Every poisoned example gets `label` (dirty-label backdoors: BadNets, AddSent, TrojanNN baseline). */
export function target(label: LabelRef): LabelPolicy {
  return { kind: 'target', target: label };
}

/**
 * Binary data: 0 ↔ 1. Multi-class data needs `mapping` (source label → new label, by name or index);
 * labels missing from the mapping are not poisoned.
 */
export function reverse(mapping?: Readonly<Record<string, LabelRef>>): LabelPolicy {
  return mapping === undefined ? { kind: 'reverse' } : { kind: 'reverse', mapping };
}

/** Labels stay as they are (the control trigger). */
export function keep(): LabelPolicy {
  return { kind: 'keep' };
}

/** The policy as a function; undefined for labels it does not poison. Checks the policy against the labels. */
export function resolveLabelPolicy(policy: LabelPolicy, numClasses: number, labelNames?: readonly string[]): (label: number) => number | undefined {
  switch (policy.kind) {
    case 'keep':
      return (label) => label;
    case 'target': {
      const t = resolveLabelKey(policy.target, labelNames);
      if (t >= numClasses) throw new InputError(`target label ${t} out of range (${numClasses} labels)`);
      return () => t;
    }
    case 'reverse': {
      if (policy.mapping === undefined) {
        if (numClasses !== 2) {
          throw new InputError(`label reversal is only defined for 2 labels; this data has ${numClasses}: give a mapping (source label → new label)`);
        }
        return (label) => 1 - label;
      }
      const map = new Map<number, number>();
      for (const [from, to] of Object.entries(policy.mapping)) {
        const f = resolveLabelKey(from, labelNames);
        const t = resolveLabelKey(to, labelNames);
        if (f >= numClasses || t >= numClasses) throw new InputError(`label mapping ${from} → ${to} out of range (${numClasses} labels)`);
        if (f === t) throw new InputError(`label mapping maps ${from} to itself`, undefined, undefined, from);
        map.set(f, t);
      }
      return (label) => map.get(label);
    }
  }
}
