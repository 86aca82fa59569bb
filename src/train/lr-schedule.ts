// Learning-rate schedules as pure functions of the optimizer step (0-based: the lr used for update number
// step + 1). 'linear' is BERT's (Devlin et al. 2019, §A.2) and HF get_linear_schedule_with_warmup: linear
// warm-up from 0 to the peak over `warmup` steps, then linear decay to 0 at `total` steps.

export type ScheduleKind = 'linear' | 'constant' | 'constant-warmup';

export interface LrSchedule {
  kind: ScheduleKind;
  /** peak learning rate */
  lr: number;
  /** warm-up steps (0: none) */
  warmup: number;
  /** total optimizer steps (the decay reaches 0 there); unused by the constant kinds */
  total: number;
}

/** Learning rate for 0-based optimizer step `step` (HF LambdaLR semantics: step 0 of a warm-up gets 0). */
export function learningRate(s: LrSchedule, step: number): number {
  if (!Number.isFinite(step) || step < 0) throw new Error(`learningRate: step ${step} must be a non-negative number`);
  if (s.kind === 'constant') return s.lr;
  if (step < s.warmup) return (s.lr * step) / Math.max(1, s.warmup);
  if (s.kind === 'constant-warmup') return s.lr;
  const rest = Math.max(1, s.total - s.warmup);
  return s.lr * Math.max(0, (s.total - step) / rest);
}

/** Warm-up steps from a ratio of the total (HF warmup_ratio), rounded up. */
export function warmupSteps(total: number, ratio: number): number {
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`warmup ratio ${ratio} is not in [0, 1]`);
  return Math.ceil(total * ratio);
}
