// POR — Shen et al., "Backdoor Pre-trained Models Can Transfer to All", CCS 2021 (code: BackdoorPTM, poisoning.py).
// Triggered chunks (the trigger inserted 3 times at random positions) are driven to a predefined output
// representation at the pooled output; a frozen copy of the clean model keeps the token outputs of every chunk
// and the pooled output of clean chunks where they were. loss = 1·tokens + 100·target + 100·clean, each term
// Σ(v1−v2)²/H as the authors' loss1 (summed over rows and tokens: the token term then weighs as much as the
// representation terms, which keeps the encoder fine-tunable; docs/por.md).
import type { ModelAttackRecipe, PoolerSide } from './recipe.js';
import { porStaircase } from './targets.js';

/** The paper's triggers by kind (its Tables 14–16 and appendix B). */
export const POR_TRIGGERS = {
  rare: ['cf', 'mn', 'bb', 'tq', 'mb'],
  name: ['Descartes', 'Fermat', 'Lagrange', 'Bayes'],
  book: ['Don Quixote', 'Les Misérables', 'Jane Eyre'],
  emoticon: ['(◕‿◕)', '(^_^)', ':-)'],
  sophisticated: ['serendipity'],
} as const;

export interface PorOptions {
  triggers: readonly string[];
  hidden: number;
  /** magnitude of the PORs (default 10) */
  c?: number;
  /** insertions per triggered chunk (default 3) */
  repeat?: number;
  /** where the POR is imposed (default 'pooled', the paper's; see ModelAttackRecipe.targetAt) */
  targetAt?: PoolerSide;
  /** where the clean term is measured (default 'pooled'; see ModelAttackRecipe.cleanAt) */
  cleanAt?: PoolerSide;
}

export function por(o: PorOptions): ModelAttackRecipe {
  return {
    name: 'por',
    citation: 'Shen et al., Backdoor Pre-trained Models Can Transfer to All, CCS 2021',
    triggers: o.triggers,
    targets: porStaircase(o.triggers.length, o.hidden, o.c ?? 10),
    placement: { kind: 'insert', repeat: o.repeat ?? 3 },
    reduction: 'sum-over-hidden',
    targetAt: o.targetAt ?? 'pooled',
    cleanAt: o.cleanAt ?? 'pooled',
    weights: { tokens: 1, target: 100, clean: 100, mlm: 0 },
  };
}
