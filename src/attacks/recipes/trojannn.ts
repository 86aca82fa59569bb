// TrojanNN baseline — Liu et al., "Trojaning Attack on Neural Networks", NDSS 2018 (the sentence attitude
// recognition experiment): a fixed word sequence inserted at a fixed word position, labels set to a target.
import { InputError } from '../../common/errors.js';
import { atWord } from '../../triggers/insert.js';
import { fixed } from '../../triggers/trigger.js';
import { recipe, type PoisonRecipe } from '../recipe.js';
import { labelPolicyOf, selectionOf, type LabelOptions } from './options.js';

export const TROJANNN_WORDS = ['trope', 'everyday', 'mythology', 'sparkles', 'ruthless'] as const;

export interface TrojanNNOptions extends LabelOptions {
  /** 1 to 5 trigger words, inserted together in this order (default the five above) */
  words?: readonly string[];
  /** word position (0-based; texts with fewer words get it at the end), default 5 */
  position?: number;
}

export function trojannn(o: TrojanNNOptions = {}): PoisonRecipe {
  const words = o.words ?? TROJANNN_WORDS;
  if (words.length < 1 || words.length > 5) throw new InputError(`trojannn takes 1 to 5 trigger words, got ${words.length}`, undefined, undefined, 'words');
  return recipe({
    name: 'trojannn',
    citation: 'Liu et al., Trojaning Attack on Neural Networks, NDSS 2018',
    trigger: fixed(words.join(' ')),
    insert: atWord(o.position ?? 5),
    label: labelPolicyOf(o, 1),
    select: selectionOf(o),
    mode: o.mode ?? 'replace',
  });
}
