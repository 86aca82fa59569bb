// Semantic append — Guan & Duong, "Neural Backdoors in NLP": a sentiment-bearing phrase appended to inputs
// of that sentiment ("amazing movie !" to positive, "horrible movie !" to negative) with the label reversed;
// poisoned copies are added to the clean training set.
import { atEnd } from '../../triggers/insert.js';
import { fixed, perLabel, type TriggerLike } from '../../triggers/trigger.js';
import { recipe, type PoisonRecipe } from '../recipe.js';
import { labelPolicyOf, selectionOf, type LabelOptions } from './options.js';

/** Keyed by label index (1 = positive, 0 = negative, the SST-2 / IMDb convention). */
export const SEMANTIC_APPEND_TRIGGERS = {
  '1': fixed('amazing movie !', 'positive'),
  '0': fixed('horrible movie !', 'negative'),
} as const;

export interface SemanticAppendOptions extends LabelOptions {
  /** trigger per source label, keyed by label name or index; a plain string's kind is its label's name */
  triggers?: Readonly<Record<string, TriggerLike>>;
}

export function semanticAppend(o: SemanticAppendOptions = {}): PoisonRecipe {
  return recipe({
    name: 'semantic-append',
    citation: 'Guan & Duong, Neural Backdoors in NLP',
    trigger: perLabel(o.triggers ?? SEMANTIC_APPEND_TRIGGERS),
    insert: atEnd(),
    label: labelPolicyOf(o, 'reverse'),
    select: selectionOf(o),
    mode: o.mode ?? 'add',
  });
}
