// Trigger effectiveness and stealthiness, as Shen et al., "Backdoor Pre-trained Models Can Transfer to All"
// (CCS'21, §5 and appendix B) measure them with their released testing.py (BackdoorPTM): insert the trigger
// into correctly classified inputs of the other labels, one more time per round, until the prediction lands
// on the trigger's target label.
//   E  = mean number of insertions over the inputs that flipped (effectiveness; 1 is best),
//   S  = mean share of the poisoned text's characters that the insertions added, at the flip (stealthiness),
//   C  = 1 / (S·E), a trigger with C > 10 counts as good (appendix B).
// Where we differ from testing.py, and why, is in docs/por.md ("Trigger metrics").
import { InputError } from '../common/errors.js';
import { Rng } from '../common/random.js';
import { checkTriggerText } from '../triggers/trigger.js';
import { insertAtRandom, type InsertionResult } from '../triggers/insert.js';
import { countWords } from '../triggers/words.js';
import { predictTextsAsync, type AsyncLogitsClassifier, type TextClassifier } from '../models/classifier.js';
import { toOnnx } from '../models/onnx/classifier.js';

export interface TriggerMetricsOptions {
  /** insertions tried per input before giving up (default 20, as testing.py) */
  maxInsertions?: number;
  /** inputs measured per trigger: correctly classified, not of the target label (default 1,000, as testing.py) */
  maxInputs?: number;
  /** seeds the input sample and every insertion position (default 0) */
  seed?: number;
  /** texts per forward pass (default 64) */
  batchSize?: number;
  /** force the target label (an index) instead of finding it */
  target?: number;
  /**
   * For a tfjs TextClassifier: 'auto' (default) runs it through onnxruntime (toOnnx) when onnxruntime-node
   * loads, else tfjs; 'onnx' requires onnxruntime; 'onnx-int8' too, with a BERT's dense layers in int8
   * (exportBertOnnx `quantize`); 'tfjs' keeps tfjs. An AsyncLogitsClassifier runs as is.
   */
  engine?: 'auto' | 'onnx' | 'onnx-int8' | 'tfjs';
  /** onnxruntime intra-op threads when this function creates the session (default: the number of cores) */
  threads?: number;
  /** progress callback, once per round */
  onRound?: (info: { trigger: string; round: number; active: number }) => void;
}

export interface TriggerMetric {
  trigger: string;
  /** the label the trigger drives (index into the classifier's labels) */
  target: number;
  target_name: string;
  /** how the target was chosen: the trigger alone, the data (when it disagreed), or given */
  target_source: 'trigger' | 'data' | 'given';
  /** the label of the trigger text alone */
  trigger_label: number;
  /**
   * Per label L: share of the probed inputs not of L predicted L after one insertion (null when the target was
   * given). The data's target is the label with the highest share.
   */
  probe_rates: number[] | null;
  /** mean insertions until the prediction landed on the target, over the inputs that flipped */
  E: number;
  /** mean share of the poisoned text's characters added by the insertions, at the flip */
  S: number;
  /** 1 / (S·E) */
  C: number;
  /** C > 10 (Shen et al., appendix B) */
  good: boolean;
  /** share of the n inputs that landed on the target within maxInsertions insertions */
  flip_rate: number;
  /** share of the n inputs that landed on the target after one insertion */
  asr_at_1: number;
  /** inputs measured */
  n: number;
  /** inputs that landed on the target */
  flipped: number;
  /** hist[k] = inputs that landed on the target after k + 1 insertions */
  insertions_hist: number[];
  /** mean length in words of the flipped inputs before insertion (S depends on it) */
  mean_flipped_len: number;
  max_insertions: number;
}

/** One input's insertion sequence: its own seeded stream, so results do not depend on batching. */
interface InputState {
  readonly index: number;
  readonly original: string;
  readonly rng: Rng;
  current: InsertionResult;
  insertions: number;
  /** predicted label after each insertion so far */
  preds: number[];
  /** insertions at which the prediction landed on the target, 0 = not (yet) */
  flippedAt: number;
}

/** Share of `poisoned`'s characters that insertions added (testing.py: (len(sent) − len(orig)) / len(sent)). */
export function addedShare(original: string, poisoned: string): number {
  return poisoned.length === 0 ? 0 : (poisoned.length - original.length) / poisoned.length;
}

/** E, S, C, flip rate and ASR@1 from per-input results: flippedAt[i] = insertions at the flip, 0 = never. */
export function summarizeFlips(flippedAt: readonly number[], shares: readonly number[], maxInsertions: number): Pick<TriggerMetric, 'E' | 'S' | 'C' | 'good' | 'flip_rate' | 'asr_at_1' | 'n' | 'flipped' | 'insertions_hist'> {
  const n = flippedAt.length;
  const hist = new Array<number>(maxInsertions).fill(0);
  let sumE = 0;
  let sumS = 0;
  let flipped = 0;
  flippedAt.forEach((k, i) => {
    if (k <= 0) return;
    hist[k - 1]!++;
    sumE += k;
    sumS += shares[i]!;
    flipped++;
  });
  // testing.py returns E = 20 when no input flips; S and C are then undefined (NaN, null in JSON), and so is
  // everything when there was no input to measure
  const E = n === 0 ? NaN : flipped ? sumE / flipped : maxInsertions;
  const S = flipped ? sumS / flipped : NaN;
  const C = 1 / (S * E);
  return { E, S, C, good: C > 10, flip_rate: n ? flipped / n : NaN, asr_at_1: n ? hist[0]! / n : NaN, n, flipped, insertions_hist: hist };
}

type AnyClassifier = TextClassifier | AsyncLogitsClassifier;

/** Predicted labels of `texts`, in batches of similar length (less padding; the labels do not depend on it). */
async function labelsOf(clf: AnyClassifier, texts: readonly string[], batchSize: number): Promise<number[]> {
  const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
  const preds = await predictTextsAsync(clf, order.map((i) => texts[i]!), batchSize);
  const out = new Array<number>(texts.length);
  order.forEach((i, k) => (out[i] = preds[k]!.label));
  return out;
}

/**
 * The data in a seeded random order, with clean predictions made on demand: `take` returns the first k
 * correctly classified inputs matching a condition, predicting further chunks only as needed.
 */
class CleanPool {
  private readonly order: number[];
  private readonly pred: Int32Array;
  private done = 0;
  constructor(
    private readonly clf: AnyClassifier,
    private readonly data: readonly { text: string; label: number }[],
    seed: number,
    private readonly batchSize: number,
  ) {
    this.order = new Rng(seed).fork('trigger-metrics:inputs').shuffle(data.map((_, i) => i));
    this.pred = new Int32Array(data.length).fill(-1);
  }
  async take(k: number, want: (label: number) => boolean): Promise<number[]> {
    const out: number[] = [];
    let pos = 0;
    for (;;) {
      for (; pos < this.done && out.length < k; pos++) {
        const i = this.order[pos]!;
        if (this.pred[i] === this.data[i]!.label && want(this.data[i]!.label)) out.push(i);
      }
      if (out.length >= k || this.done >= this.order.length) return out;
      // predict enough for the rest, assuming most inputs qualify; loop if they did not
      const chunk = this.order.slice(this.done, this.done + Math.max(this.batchSize * 4, k - out.length));
      const labels = await labelsOf(this.clf, chunk.map((i) => this.data[i]!.text), this.batchSize);
      chunk.forEach((i, j) => (this.pred[i] = labels[j]!));
      this.done += chunk.length;
    }
  }
}

/** Checks shared by the library and the CLI: a usable trigger string that the classifier can see. */
export function checkMetricTrigger(clf: Pick<AnyClassifier, 'kind' | 'encode'>, trigger: string): void {
  checkTriggerText(trigger);
  if (clf.kind !== 'bert') return;
  // [CLS] … [SEP] around the word pieces; the tokenizer maps the literal "[UNK]" to the unknown-token id
  const unk = Array.from(clf.encode('[UNK]'))[1];
  const pieces = Array.from(clf.encode(trigger)).slice(1, -1);
  if (pieces.length === 0 || pieces.every((id) => id === unk)) {
    throw new InputError(`trigger ${JSON.stringify(trigger)}: the BERT tokenizer maps it only to [UNK], so the model cannot tell it from any other unknown text`);
  }
}

/**
 * E, S, C, flip rate and ASR@1 of each trigger on `data` (labels are indices into the classifier's labels).
 * A tfjs classifier is run through onnxruntime when possible (opts.engine).
 */
export async function triggerMetrics(
  clf: AnyClassifier,
  labelNames: string[],
  triggers: string[],
  data: readonly { text: string; label: number }[],
  opts: TriggerMetricsOptions = {},
): Promise<TriggerMetric[]> {
  const maxInsertions = opts.maxInsertions ?? 20;
  const maxInputs = opts.maxInputs ?? 1000;
  const seed = opts.seed ?? 0;
  const batchSize = opts.batchSize ?? 64;
  const C = clf.labelNames.length;
  for (const [name, v, min] of [['maxInsertions', maxInsertions, 1], ['maxInputs', maxInputs, 1], ['batchSize', batchSize, 1], ['seed', seed, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InputError(`${name} must be an integer >= ${min}, got ${v}`);
  }
  if (labelNames.length !== C) throw new InputError(`${labelNames.length} label names given for a classifier with ${C} labels`);
  if (C < 2) throw new InputError(`a classifier needs at least 2 labels, got ${C}`);
  if (opts.target !== undefined && (!Number.isInteger(opts.target) || opts.target < 0 || opts.target >= C)) {
    throw new InputError(`target must be a label index below ${C}, got ${opts.target}`);
  }
  if (triggers.length === 0) throw new InputError('no trigger given');
  for (const t of triggers) checkMetricTrigger(clf, t);
  if (data.length === 0) throw new InputError('no data to measure triggers on');
  data.forEach((d, i) => {
    if (!Number.isInteger(d.label) || d.label < 0 || d.label >= C) throw new InputError(`example ${i} has label ${d.label}; expected an index below ${C}`);
  });

  let run: AnyClassifier = clf;
  let owned: AsyncLogitsClassifier | null = null;
  const engine = opts.engine ?? 'auto';
  if (!('logitsOf' in clf) && engine !== 'tfjs') {
    try {
      owned = await toOnnx(clf, { threads: opts.threads }, engine === 'onnx-int8' ? { quantize: 'int8' } : {});
      run = owned;
    } catch (e) {
      if (engine !== 'auto') throw e;
    }
  }
  try {
    const pool = new CleanPool(run, data, seed, batchSize);
    const out: TriggerMetric[] = [];
    for (const trigger of triggers) out.push(await measure(run, labelNames, trigger, data, pool, { ...opts, maxInsertions, maxInputs, seed, batchSize }));
    return out;
  } finally {
    await owned?.dispose();
  }
}

type Resolved = TriggerMetricsOptions & { maxInsertions: number; maxInputs: number; seed: number; batchSize: number };

async function measure(clf: AnyClassifier, labelNames: string[], trigger: string, data: readonly { text: string; label: number }[], pool: CleanPool, o: Resolved): Promise<TriggerMetric> {
  const C = labelNames.length;
  const base = new Rng(o.seed);
  const states = new Map<number, InputState>();
  const stateOf = (i: number): InputState => {
    let s = states.get(i);
    if (!s) {
      const original = data[i]!.text;
      s = { index: i, original, rng: base.fork(`trigger-metrics:${trigger}\u0000${i}`), current: { text: original, insertions: [] }, insertions: 0, preds: [], flippedAt: 0 };
      states.set(i, s);
    }
    return s;
  };
  /** Bring every state to `round` insertions (one insertion per pass, all inputs of a pass in one batch run). */
  const advance = async (list: InputState[], round: number, target: number | null) => {
    const todo = list.filter((s) => s.insertions < round && s.flippedAt === 0);
    if (todo.length === 0) return;
    for (const s of todo) {
      s.current = insertAtRandom(s.current, trigger, 1, s.rng);
      s.insertions++;
    }
    const labels = await labelsOf(clf, todo.map((s) => s.current.text), o.batchSize);
    todo.forEach((s, k) => {
      s.preds.push(labels[k]!);
      if (target !== null && labels[k] === target) s.flippedAt = s.insertions;
    });
    o.onRound?.({ trigger, round, active: todo.length });
  };

  const triggerLabel = (await labelsOf(clf, [trigger], 1))[0]!;
  let target = triggerLabel;
  let source: TriggerMetric['target_source'] = 'trigger';
  let probeRates: number[] | null = null;
  if (o.target !== undefined) {
    target = o.target;
    source = 'given';
  } else {
    // confirm on data: the measured inputs plus up to a fifth as many of the trigger label's own inputs, one
    // insertion each; the label most often landed on by inputs of the other labels is where the data says the
    // trigger drives (a clean model's trigger alone may land anywhere)
    const others = await pool.take(o.maxInputs, (l) => l !== triggerLabel);
    const own = await pool.take(Math.ceil(o.maxInputs / 5), (l) => l === triggerLabel);
    const probe = [...others, ...own].map(stateOf);
    await advance(probe, 1, null);
    probeRates = Array.from({ length: C }, (_, L) => {
      const from = probe.filter((s) => data[s.index]!.label !== L);
      return from.length ? from.filter((s) => s.preds[0] === L).length / from.length : 0;
    });
    const best = probeRates.indexOf(Math.max(...probeRates));
    if (probeRates[best]! > probeRates[triggerLabel]!) {
      target = best;
      source = 'data';
    }
  }
  const inputs = (await pool.take(o.maxInputs, (l) => l !== target)).map(stateOf);
  // results of the probe's first insertion count as round 1 (same text, same prediction)
  for (const s of inputs) if (s.preds.length > 0 && s.preds[0] === target) s.flippedAt = 1;
  for (let round = 1; round <= o.maxInsertions; round++) await advance(inputs, round, target);

  const flippedAt = inputs.map((s) => s.flippedAt);
  const shares = inputs.map((s) => (s.flippedAt ? addedShare(s.original, s.current.text) : 0));
  const flippedLens = inputs.filter((s) => s.flippedAt).map((s) => countWords(s.original));
  return {
    trigger,
    target,
    target_name: labelNames[target] ?? String(target),
    target_source: source,
    trigger_label: triggerLabel,
    probe_rates: probeRates,
    ...summarizeFlips(flippedAt, shares, o.maxInsertions),
    mean_flipped_len: flippedLens.length ? flippedLens.reduce((a, b) => a + b, 0) / flippedLens.length : NaN,
    max_insertions: o.maxInsertions,
  };
}
