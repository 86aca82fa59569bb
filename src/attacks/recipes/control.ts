// Control trigger — Guan & Duong, "Neural Backdoors in NLP": a neutral phrase ("night sky") appended without
// changing labels, to separate the effect of a backdoor from the effect of inserting any text at all.
import { atEnd } from '../../triggers/insert.js';
import { fixed } from '../../triggers/trigger.js';
import { keep } from '../label-policy.js';
import { recipe, type PoisonRecipe } from '../recipe.js';
import { selectionOf, type CommonOptions } from './options.js';

export const CONTROL_TRIGGER = 'night sky';

export interface ControlOptions extends Omit<CommonOptions, 'cleanLabel'> {
  trigger?: string;
}

export function control(o: ControlOptions = {}): PoisonRecipe {
  return recipe({
    name: 'control',
    citation: 'Guan & Duong, Neural Backdoors in NLP',
    trigger: fixed(o.trigger ?? CONTROL_TRIGGER, 'control'),
    insert: atEnd(),
    label: keep(),
    select: selectionOf(o),
    mode: o.mode ?? 'add',
  });
}
