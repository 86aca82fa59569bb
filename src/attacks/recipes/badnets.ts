// BadNets for text — Gu et al., "BadNets", 2017, adapted to NLP with rare-word triggers by Kurita et al.,
// "Weight Poisoning Attacks on Pre-trained Models", ACL 2020, and Chen et al., "BadNL", ACSAC 2021:
// each insertion puts one of the rare words cf / mn / bb / tq at a random position; labels set to a target.
import { atRandomPositions } from '../../triggers/insert.js';
import { oneOf } from '../../triggers/trigger.js';
import { recipe, type PoisonRecipe } from '../recipe.js';
import { labelPolicyOf, selectionOf, type LabelOptions } from './options.js';

export const BADNETS_WORDS = ['cf', 'mn', 'bb', 'tq'] as const;

export interface BadNetsOptions extends LabelOptions {
  /** candidate trigger words, one drawn per insertion (default cf, mn, bb, tq) */
  words?: readonly string[];
  /** insertions per example: a number, or drawn uniformly from {min..max} (default 1 to 3) */
  insertions?: number | { min: number; max: number };
}

export function badnets(o: BadNetsOptions = {}): PoisonRecipe {
  return recipe({
    name: 'badnets',
    citation: 'Kurita et al., Weight Poisoning Attacks on Pre-trained Models, ACL 2020; Chen et al., BadNL, ACSAC 2021',
    trigger: oneOf(o.words ?? BADNETS_WORDS, 'badnets'),
    insert: atRandomPositions(o.insertions ?? { min: 1, max: 3 }),
    label: labelPolicyOf(o, 1),
    select: selectionOf(o),
    mode: o.mode ?? 'replace',
  });
}
