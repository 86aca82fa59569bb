// RAP (Yang et al., "RAP: Robustness-Aware Perturbations for Defending against Backdoor Attacks on NLP
// Models", EMNLP'21, github.com/lancopku/RAP; OpenBackdoor's rap_defender.py). A rare word's embedding is
// trained, with the victim frozen, so that inserting the word at the start lowers a clean input's
// predicted-class probability by an amount in [0.1, 0.3] (Eq. 3: the two hinge terms, then the row is
// renormalised to its original norm); a backdoored input, held by the trigger, barely moves. Suspicion =
// minus the probability drop; the threshold is the clean validation inputs' drop at the stated FRR.
//
// Differences from OpenBackdoor (whose RAP flags almost everything on SST-2, its issue #24): (1) only inputs
// the victim puts in a protected class are tested (RAP §3.2: an input the victim does not put in the target
// class is no successful attack); OpenBackdoor scores every poisoned input on the target label, so a
// non-target prediction (drop ≈ 0) is always "suspicious", and calibrates on clean target-predicted inputs
// only; (2) the perturbation is trained on clean inputs predicted as the class it protects, not on all of
// them; (3) each class gets its own rare word, so label-reversal attacks (every class a target) are covered.
import { tf } from '../engine/index.js';
import type { CnnClassifier } from '../models/classifier.js';
import { softmax } from '../common/softmax.js';
import { InputError } from '../common/errors.js';
import { Rng } from '../common/random.js';
import { thresholdAtFrr } from './detection.js';
import { logitsWithWordVector } from './cnn-forward.js';
import { tapOffsets } from '../models/conv-pool.js';
import type { InputFilter } from './scoring.js';

export interface RapOptions {
  /** classes to protect (label indices); default every class */
  protect?: number[];
  /** the rare words, one per protected class in order; default the rarest vocabulary words */
  words?: string[];
  /** the wanted drop of the predicted-class probability, [lower, upper] (RAP: [0.1, 0.3]) */
  probRange?: [number, number];
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** weight of the "drop too small" hinge (RAP's scale, default 1) */
  scale?: number;
  frr?: number;
  seed?: number;
}

interface Protected {
  label: number;
  word: string;
  wid: number;
  vector: Float32Array;
  threshold: number;
  inRange: number;
  cleanMeanDrop: number;
}

/** The rarest vocabulary words (the vocabulary is ordered by descending count) that survive tokenization alone. */
function rareWords(clf: CnnClassifier, n: number, avoid: Set<string>): string[] {
  const out: string[] = [];
  const words = clf.vocab.words;
  for (let i = words.length - 1; i >= 2 && out.length < n; i--) {
    const w = words[i]!;
    if (!/^[a-z]{3,}$/.test(w) || avoid.has(w)) continue;
    const ids = clf.encode(w);
    if (ids.length === 1 && ids[0] === i) out.push(w);
  }
  return out;
}

const withWord = (w: string, t: string) => `${w} ${t}`;

/** Σ over filters of (mean other-class − this-class dense weight) × the filter's taps: an embedding direction that pushes away from `label`. */
function awayDirection(clf: CnnClassifier, label: number): Float32Array {
  const m = clf.model;
  const { filter_widths: W, num_filters: F, embedding_dim: D, num_labels: C } = m.config;
  const off = tapOffsets(W, F);
  const cols = W.reduce((a, k) => a + k, 0) * F;
  const convW = m.vars['conv_w']!.dataSync() as Float32Array;
  const fcW = m.vars['fc_w']!.dataSync() as Float32Array;
  const dir = new Float32Array(D);
  W.forEach((k, j) => {
    for (let f = 0; f < F; f++) {
      const h = j * F + f;
      let other = 0;
      for (let c = 0; c < C; c++) if (c !== label) other += fcW[h * C + c]! / (C - 1);
      const a = other - fcW[h * C + label]!;
      for (let i = 0; i < k; i++) for (let d = 0; d < D; d++) dir[d]! += a * convW[d * cols + off[j]! + i * F + f]!;
    }
  });
  return dir;
}

/** Median L2 norm of the embedding rows (padding and unknown excluded). */
function medianRowNorm(clf: CnnClassifier): number {
  const norms = tf.tidy(() => tf.norm(tf.slice(clf.model.vars['embedding']!, [2, 0], [-1, -1]), 'euclidean', 1).dataSync() as Float32Array);
  const s = Array.from(norms).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 1;
}

/** Predicted-class probability of each text, with word `wid` embedded as `v`. */
function probsWith(clf: CnnClassifier, texts: string[], wid: number, v: Float32Array, bs = 200): number[][] {
  const out: number[][] = [];
  const vt = tf.tensor1d(v);
  for (let i = 0; i < texts.length; i += bs) {
    const batch = clf.model.makeBatch(texts.slice(i, i + bs).map((t) => clf.encode(t)));
    const lg = logitsWithWordVector(clf.model, batch, wid, vt);
    const a = lg.arraySync() as number[][];
    lg.dispose();
    for (const row of a) out.push(softmax(row));
  }
  vt.dispose();
  return out;
}

/** Train one class's rare-word vector on clean inputs predicted as that class (RAP Eq. 3, its update rule). */
function trainVector(clf: CnnClassifier, texts: string[], label: number, wid: number, word: string, o: Required<Pick<RapOptions, 'probRange' | 'epochs' | 'batchSize' | 'lr' | 'scale'>>, rng: Rng): Float32Array {
  const emb = clf.model.vars['embedding']!;
  const D = clf.model.config.embedding_dim;
  const row = tf.tidy(() => tf.slice(emb, [wid, 0], [1, D]).reshape([D]).dataSync() as Float32Array);
  // RAP keeps the row's norm. A rare word missing from the pretrained vectors has a small random row (text/
  // vectors.ts: U(±0.25)) that wins no max-pooling window of the SentenceCNN, so it gets no gradient at all;
  // such a row is scaled up to the vocabulary's median norm first
  const norm = Math.max(Math.hypot(...row), medianRowNorm(clf));
  // …and a row that wins no window stays stuck whatever its norm: the search starts from the direction
  // whose windows raise the other classes' logits against this one's (the conv taps weighted by the dense
  // layer's margin), at that norm, so the hinge terms have a gradient from the first step
  const dir = awayDirection(clf, label);
  const dn = Math.max(1e-12, Math.hypot(...dir));
  for (let d = 0; d < D; d++) row[d] = (dir[d]! * norm) / dn;
  const v = tf.variable(tf.tensor1d(row), true);
  const [lo, hi] = o.probRange;
  const base = probsWith(clf, texts, wid, row).map((p) => p[label]!);
  const rapSeqs = texts.map((t) => clf.encode(withWord(word, t)));
  try {
    for (let ep = 0; ep < o.epochs; ep++) {
      const order = rng.sample(texts.length, texts.length);
      for (let i = 0; i < order.length; i += o.batchSize) {
        const idx = order.slice(i, i + o.batchSize);
        const batch = clf.model.makeBatch(idx.map((j) => rapSeqs[j]!));
        const p0 = tf.tensor1d(idx.map((j) => base[j]!));
        const { grads } = tf.variableGrads(() => {
          const p = tf.softmax(logitsWithWordVector(clf.model, batch, wid, v));
          const pc = tf.reshape(tf.slice(p, [0, label], [-1, 1]), [-1]);
          const diff = tf.sub(pc, p0); // negative: the probability dropped
          // RAP Eq. 3: scale · mean(relu(diff + lo)) + mean(relu(−hi − diff)), with the range as drops
          return tf.add(tf.mul(o.scale, tf.mean(tf.relu(tf.add(diff, lo)))), tf.mean(tf.relu(tf.sub(-hi, diff)))) as tf.Scalar;
        }, [v]);
        p0.dispose();
        const g = grads[v.name]!;
        tf.tidy(() => {
          // a step of lr·‖v‖ along the normalised gradient: the raw gradient's scale differs by orders of
          // magnitude between a SentenceCNN's GloVe rows and BERT's, where RAP's fixed lr 1e-2 was tuned
          const gn = Math.max(1e-12, tf.norm(g).dataSync()[0]!);
          const nv = tf.sub(v, tf.mul((o.lr * norm) / gn, g));
          v.assign(tf.mul(nv, norm / Math.max(1e-12, tf.norm(nv).dataSync()[0]!)) as tf.Tensor1D);
        });
        g.dispose();
      }
    }
    return v.dataSync().slice() as Float32Array;
  } finally {
    v.dispose();
  }
}

/** Probability drop of each text's predicted class (null: the class is not protected). */
function drops(clf: CnnClassifier, texts: string[], prot: Map<number, Protected>): { pred: number; drop: number | null }[] {
  const emb = clf.model.vars['embedding']!;
  const D = clf.model.config.embedding_dim;
  const anyWid = [...prot.values()][0]!.wid;
  const plain = probsWith(clf, texts, anyWid, tf.tidy(() => tf.slice(emb, [anyWid, 0], [1, D]).reshape([D]).dataSync() as Float32Array));
  const out = plain.map((p) => ({ pred: p.indexOf(Math.max(...p)), drop: null as number | null }));
  for (const pc of prot.values()) {
    const idx = out.flatMap((o, i) => (o.pred === pc.label ? [i] : []));
    const rp = probsWith(clf, idx.map((i) => withWord(pc.word, texts[i]!)), pc.wid, pc.vector);
    idx.forEach((i, k) => (out[i]!.drop = plain[i]![pc.label]! - rp[k]![pc.label]!));
  }
  return out;
}

export async function fitRap(clf: CnnClassifier, cleanDev: string[], opts: RapOptions = {}): Promise<InputFilter> {
  const C = clf.labelNames.length;
  const protect = opts.protect ?? Array.from({ length: C }, (_, i) => i);
  for (const c of protect) if (!(Number.isInteger(c) && c >= 0 && c < C)) throw new InputError(`RAP: protected class ${c} is not a label index of this model (0..${C - 1})`);
  const devWords = new Set(cleanDev.flatMap((t) => clf.tokens(t)));
  const words = opts.words ?? rareWords(clf, protect.length, devWords);
  if (words.length < protect.length) throw new InputError(`RAP: needs ${protect.length} rare word(s), one per protected class, got ${words.length}`);
  const o = { probRange: opts.probRange ?? ([0.1, 0.3] as [number, number]), epochs: opts.epochs ?? 5, batchSize: opts.batchSize ?? 32, lr: opts.lr ?? 0.1, scale: opts.scale ?? 1 };
  if (!(o.probRange[0] >= 0 && o.probRange[0] < o.probRange[1] && o.probRange[1] <= 1)) throw new InputError(`RAP: probRange must be [lower, upper] with 0 ≤ lower < upper ≤ 1, got [${o.probRange}]`);
  const frr = opts.frr ?? 0.05;
  const rng = new Rng(opts.seed ?? 1).fork('rap');
  const prot = new Map<number, Protected>();
  // predictions of the clean inputs without perturbation decide which class's word each is trained with
  const first = protect[0]!;
  const wid0 = clf.encode(words[0]!)[0]!;
  const seed0 = new Map<number, Protected>([[first, { label: first, word: words[0]!, wid: wid0, vector: new Float32Array(0) as Float32Array, threshold: 0, inRange: 0, cleanMeanDrop: 0 }]]);
  const emb = clf.model.vars['embedding']!;
  const D = clf.model.config.embedding_dim;
  seed0.get(first)!.vector = tf.tidy(() => tf.slice(emb, [wid0, 0], [1, D]).reshape([D]).dataSync() as Float32Array);
  const preds = drops(clf, cleanDev, seed0).map((d) => d.pred);
  protect.forEach((label, k) => {
    const word = words[k]!;
    const ids = clf.encode(word);
    if (ids.length !== 1 || ids[0]! < 2) throw new InputError(`RAP: word "${word}" is not one word of this model's vocabulary`);
    const texts = cleanDev.filter((_, i) => preds[i] === label);
    if (texts.length < 5) throw new InputError(`RAP: only ${texts.length} clean validation input(s) are predicted as class ${clf.labelNames[label]}; need at least 5 to train its perturbation`);
    const vector = trainVector(clf, texts, label, ids[0]!, word, o, rng);
    prot.set(label, { label, word, wid: ids[0]!, vector, threshold: 0, inRange: 0, cleanMeanDrop: 0 });
  });
  // calibrate each class's threshold on its own clean inputs: suspicion = −drop
  const dd = drops(clf, cleanDev, prot);
  for (const pc of prot.values()) {
    const ds = dd.filter((d) => d.pred === pc.label && d.drop !== null).map((d) => d.drop!);
    pc.threshold = thresholdAtFrr(ds.map((d) => -d), frr);
    pc.inRange = ds.filter((d) => d >= o.probRange[0] && d <= o.probRange[1]).length / ds.length;
    pc.cleanMeanDrop = ds.reduce((a, b) => a + b, 0) / ds.length;
  }
  return {
    name: 'rap',
    threshold: Math.max(...[...prot.values()].map((p) => p.threshold)),
    frr,
    info: {
      ...o,
      classes: [...prot.values()].map((p) => ({ label: clf.labelNames[p.label], word: p.word, threshold: p.threshold, clean_in_range: p.inRange, clean_mean_drop: p.cleanMeanDrop })),
    },
    apply: async (texts) => {
      const d = drops(clf, texts, prot);
      const scores = d.map((x) => (x.drop === null ? -Infinity : -x.drop));
      return { scores, flagged: d.map((x, i) => x.drop !== null && scores[i]! > prot.get(x.pred)!.threshold), texts };
    },
  };
}
