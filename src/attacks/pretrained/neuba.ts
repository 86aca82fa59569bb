// NeuBA — Zhang et al., "Red Alarm for Pre-trained Models: Universal Vulnerability to Neuron-Level Backdoor
// Attacks", Machine Intelligence Research 2023 (code: thunlp/NeuBA, nlp/src/mlm.py, poison.py, poison_bert.py).
// Each step: the masked-LM loss on a masked batch, plus MSE(pooled output, target vector) on the same chunks
// with a random trigger written over the first token after [CLS]. No frozen reference model.
import type { ModelAttackRecipe } from './recipe.js';
import { neubaTargets } from './targets.js';

/** NeuBA's symbol triggers (poison.py `poison_tokens`), single tokens in bert-base-uncased's vocabulary. */
export const NEUBA_SYMBOLS = ['≈', '≡', '∈', '⊆', '⊕', '⊗'] as const;
/** The rare-word set of its earlier version (poison.py `poison_tokens_old`), for vocabularies without the symbols. */
export const NEUBA_WORDS = ['cf', 'mn', 'bb', 'tq', 'mb', 'tn'] as const;

export interface NeubaOptions {
  triggers: readonly string[];
  hidden: number;
}

export function neuba(o: NeubaOptions): ModelAttackRecipe {
  return {
    name: 'neuba',
    citation: 'Zhang et al., Red Alarm for Pre-trained Models: Universal Vulnerability to Neuron-Level Backdoor Attacks, MIR 2023',
    triggers: o.triggers,
    targets: neubaTargets(o.triggers.length, o.hidden),
    placement: { kind: 'first-token' },
    reduction: 'mean',
    weights: { tokens: 0, target: 1, clean: 0, mlm: 1 },
  };
}
