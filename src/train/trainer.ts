// Mini-batch training with seeded shuffling, early stopping on a dev split, per-epoch checkpoints and a
// clean stop on request (Ctrl-C): an interrupted epoch is discarded, so the last checkpoint stays intact.
import { tf, initEngine } from '../engine/index.js';
import { Adam, type AdamOptions, type AdamState } from './adam.js';
import { trainStep, type StepModel, type StepResult } from './step.js';
import { Rng } from '../common/random.js';
import { Progress, progressLog } from '../common/progress.js';
import type { NamedWeights } from '../models/cnn.js';
import { yieldToEventLoop } from '../common/yield.js';

/** What the trainer needs from a model: a step interface plus batching and weight snapshots. */
export interface TrainableClassifier<B> extends StepModel<B> {
  makeBatch(seqs: ArrayLike<number>[]): B;
  toNamedWeights(): NamedWeights;
  setNamedWeights(w: NamedWeights, source?: string): void;
}

export interface Encoded {
  ids: ArrayLike<number>;
  label: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  devAccuracy: number | null;
  seconds: number;
}

export interface TrainerState {
  epoch: number; // epochs completed
  history: EpochRecord[];
  bestDevAccuracy: number;
  bestEpoch: number;
  optimizer: AdamState;
  best: NamedWeights | null;
}

export interface TrainOptions<B = unknown> {
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: AdamOptions;
  /** stop when dev accuracy has not improved for this many epochs (0 = never) */
  patience?: number;
  /** called after every completed epoch, e.g. to write a checkpoint */
  onEpochEnd?: (state: TrainerState) => Promise<void> | void;
  /**
   * the whole step (gradients and update) elsewhere, e.g. a CnnTrainPool's workers; `sync` brings the model and
   * the optimizer up to date before every evaluation and checkpoint. Replaces `afterStep`.
   */
  stepper?: Stepper<B>;
  /** called after every optimizer step, e.g. for a weight constraint (Kim's max-norm) */
  afterStep?: () => void;
  /** polled between batches; returning true stops training without finishing the epoch */
  shouldStop?: () => boolean;
  resume?: TrainerState;
  progress?: boolean;
  label?: string;
}

export interface Stepper<B> {
  step(opt: Adam, batch: B, labels: Int32Array, dropoutSeed: number): Promise<StepResult>;
  sync(opt: Adam): void;
}

export interface TrainResult {
  state: TrainerState;
  interrupted: boolean;
  seconds: number;
}

/** Predicted class probabilities for encoded inputs, in batches. */
export function predictProba<B>(model: TrainableClassifier<B>, seqs: ArrayLike<number>[], batchSize = 100): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < seqs.length; i += batchSize) {
    const batch = model.makeBatch(seqs.slice(i, i + batchSize));
    const p = tf.tidy(() => tf.softmax(model.logits(batch, false)));
    const [n, c] = p.shape as [number, number];
    const v = p.dataSync() as Float32Array;
    p.dispose();
    for (let r = 0; r < n; r++) out.push(v.slice(r * c, (r + 1) * c));
  }
  return out;
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}

export function accuracyOf<B>(model: TrainableClassifier<B>, data: Encoded[], batchSize = 100): number {
  if (data.length === 0) return NaN;
  const probs = predictProba(model, data.map((d) => d.ids), batchSize);
  let ok = 0;
  probs.forEach((p, i) => {
    if (argmax(p) === data[i]!.label) ok++;
  });
  return ok / data.length;
}

export async function train<B>(model: TrainableClassifier<B>, trainSet: Encoded[], devSet: Encoded[], opts: TrainOptions<B>): Promise<TrainResult> {
  await initEngine();
  const t0 = performance.now();
  const opt = new Adam(opts.optimizer);
  const state: TrainerState = opts.resume
    ? { ...opts.resume, history: [...opts.resume.history] }
    : { epoch: 0, history: [], bestDevAccuracy: -1, bestEpoch: 0, optimizer: opt.getState(), best: null };
  if (opts.resume) opt.setState(opts.resume.optimizer);
  const rng = new Rng(opts.seed);
  let interrupted = false;
  for (let epoch = state.epoch + 1; epoch <= opts.epochs; epoch++) {
    const te = performance.now();
    // each epoch's order depends only on (seed, epoch): a resumed run sees the same batches
    const order = rng.fork(`epoch${epoch}`).shuffle(Array.from({ length: trainSet.length }, (_, i) => i));
    const nb = Math.ceil(order.length / opts.batchSize);
    const bar = opts.progress ? new Progress(`${opts.label ?? 'train'} epoch ${epoch}/${opts.epochs}`, nb) : null;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let bi = 0; bi < nb; bi++) {
      // one event-loop turn per step: a Ctrl-C handler cannot run inside a synchronous epoch
      await yieldToEventLoop();
      if (opts.shouldStop?.()) {
        interrupted = true;
        break;
      }
      const idx = order.slice(bi * opts.batchSize, (bi + 1) * opts.batchSize);
      const batch = model.makeBatch(idx.map((i) => trainSet[i]!.ids));
      const labels = Int32Array.from(idx, (i) => trainSet[i]!.label);
      const dropoutSeed = (opts.seed * 1000003 + epoch * 10007 + bi) >>> 0;
      let r: StepResult;
      if (opts.stepper) r = await opts.stepper.step(opt, batch, labels, dropoutSeed);
      else {
        r = trainStep(model, opt, batch, labels, dropoutSeed);
        opts.afterStep?.();
      }
      lossSum += r.loss * idx.length;
      correct += r.correct;
      seen += idx.length;
      bar?.update(bi + 1, { loss: lossSum / seen, acc: correct / seen });
    }
    bar?.stop();
    opts.stepper?.sync(opt);
    if (interrupted) break;
    const devAccuracy = devSet.length ? accuracyOf(model, devSet) : null;
    const rec: EpochRecord = { epoch, loss: lossSum / seen, trainAccuracy: correct / seen, devAccuracy, seconds: (performance.now() - te) / 1000 };
    state.history.push(rec);
    state.epoch = epoch;
    state.optimizer = opt.getState();
    if (opts.progress) progressLog(`  epoch ${epoch}: loss ${rec.loss.toFixed(4)} train acc ${rec.trainAccuracy.toFixed(4)}${devAccuracy != null ? ` dev acc ${devAccuracy.toFixed(4)}` : ''} (${rec.seconds.toFixed(1)}s)`);
    const score = devAccuracy ?? -rec.loss;
    if (score > state.bestDevAccuracy) {
      state.bestDevAccuracy = score;
      state.bestEpoch = epoch;
      state.best = model.toNamedWeights();
    }
    await opts.onEpochEnd?.(state);
    if (opts.patience && epoch - state.bestEpoch >= opts.patience) break;
  }
  // early stopping keeps the best epoch's weights
  if (state.best && !interrupted) model.setNamedWeights(state.best, 'best checkpoint');
  return { state, interrupted, seconds: (performance.now() - t0) / 1000 };
}
