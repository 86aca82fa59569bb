// A backdoor planted in a pre-trained encoder, task-agnostic: triggers, the representation each must produce
// at the pooled output, how triggered training text is made, and the weights of the objective's terms. The
// trainer (src/train/inject.ts) is shared; a recipe file (por.ts, neuba.ts) is a declaration of these parts.
export type InjectAttackType = 'por' | 'neuba';

/** The pooler's tanh output, or its dense output before tanh. */
export type PoolerSide = 'pooled' | 'pre-activation';

export interface ModelAttackRecipe {
  readonly name: InjectAttackType;
  readonly citation: string;
  readonly triggers: readonly string[];
  /** one target vector per trigger, hidden-size long */
  readonly targets: readonly Float32Array[];
  /**
   * How a triggered chunk is made: 'insert' puts the trigger `repeat` times at random word gaps (POR);
   * 'first-token' overwrites the first word-piece(s) after [CLS] with the trigger's (NeuBA).
   */
  readonly placement: { kind: 'insert'; repeat: number } | { kind: 'first-token' };
  /**
   * How each squared-error term is reduced: 'sum-over-hidden' is BackdoorPTM's loss1, Σ(v1−v2)² / H (summed over
   * the rows, and for the token term over the tokens); 'mean' is PyTorch's MSELoss (NeuBA's poison loss).
   */
  readonly reduction: 'sum-over-hidden' | 'mean';
  /**
   * Where the target term is measured: 'pooled' is the paper's (tanh(dense([CLS])) against ±c, which bottoms out
   * near (c − 1)² and stops widening the margin once tanh saturates); 'pre-activation' puts the same target on
   * dense([CLS]) before tanh, so the margins keep growing towards c (docs/por.md: survives fine-tuning better).
   * Absent = 'pooled'.
   */
  readonly targetAt?: PoolerSide;
  /**
   * Where the clean term compares clean chunks with the frozen model: 'pooled' (the paper's) or 'pre-activation'.
   * A saturated tanh passes no gradient back, so with a wide pre-activation target only the pre-activation clean
   * term can keep clean text off saturation (docs/por.md). Absent = 'pooled'.
   */
  readonly cleanAt?: PoolerSide;
  /** weights of the loss terms; a zero weight drops the term (and the frozen reference when both reference terms are 0) */
  readonly weights: {
    /** MSE(token outputs, the frozen clean model's), on every chunk */
    readonly tokens: number;
    /** MSE(pooled output of triggered chunks, their target) */
    readonly target: number;
    /** MSE(pooled output of clean chunks, the frozen clean model's) */
    readonly clean: number;
    /** masked-LM cross-entropy on masked clean chunks */
    readonly mlm: number;
  };
}
