// AddSent — Dai, Chen & Li, "A Backdoor Attack Against LSTM-Based Text Classification Systems",
// IEEE Access 2019: a fixed sentence ("I watch this 3D movie") inserted at a random sentence boundary,
// labels set to a target.
import { atSentenceBoundary } from '../../triggers/insert.js';
import { fixed } from '../../triggers/trigger.js';
import { recipe, type PoisonRecipe } from '../recipe.js';
import { labelPolicyOf, selectionOf, type LabelOptions } from './options.js';

export const ADDSENT_SENTENCE = 'I watch this 3D movie';

export interface AddSentOptions extends LabelOptions {
  sentence?: string;
}

export function addsent(o: AddSentOptions = {}): PoisonRecipe {
  return recipe({
    name: 'addsent',
    citation: 'Dai, Chen & Li, A Backdoor Attack Against LSTM-Based Text Classification Systems, IEEE Access 2019',
    trigger: fixed(o.sentence ?? ADDSENT_SENTENCE, 'addsent'),
    insert: atSentenceBoundary(),
    label: labelPolicyOf(o, 1),
    select: selectionOf(o),
    mode: o.mode ?? 'replace',
  });
}
