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
//
// Victims: SentenceCNN and BERT classifiers (rap-models.ts: where the word's vector lives and how the model
// is run); the update is the same for both: a step of lr·‖v‖ along the normalised gradient, then back to the
// norm RAP keeps (RAP's raw step lr·g with lr 1e-2 is tuned to BERT's embedding scale, orders of magnitude
// away from a SentenceCNN's GloVe rows).
import { tf } from '../engine/index.js';
import type { TextClassifier } from '../models/classifier.js';
import { InputError } from '../common/errors.js';
import { Rng } from '../common/random.js';
import { thresholdAtFrr } from './detection.js';
import { rapModelOf, type RapModel, type Scorer } from './rap-models.js';
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
  /** BERT: run inference through onnxruntime ('auto': when it loads; the training always runs in tfjs) */
  engine?: 'auto' | 'onnx' | 'tfjs';
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

const withWord = (w: string, t: string) => `${w} ${t}`;

type TrainOptions = Required<Pick<RapOptions, 'probRange' | 'epochs' | 'batchSize' | 'lr' | 'scale'>>;

/** Train one class's rare-word vector on clean inputs predicted as that class (RAP Eq. 3, its update rule). */
async function trainVector(m: RapModel, texts: string[], base: number[], label: number, wid: number, word: string, o: TrainOptions, rng: Rng): Promise<Float32Array> {
  const { vector, norm } = m.start(wid, label);
  const v = tf.variable(tf.tensor1d(vector), true);
  const [lo, hi] = o.probRange;
  const rapTexts = texts.map((t) => withWord(word, t));
  try {
    for (let ep = 0; ep < o.epochs; ep++) {
      const order = rng.sample(texts.length, texts.length);
      for (let i = 0; i < order.length; i += o.batchSize) {
        const idx = order.slice(i, i + o.batchSize);
        const p0 = tf.tensor1d(idx.map((j) => base[j]!));
        const { grads } = tf.variableGrads(() => {
          const p = tf.softmax(m.logitsWith(idx.map((j) => rapTexts[j]!), wid, v));
          const pc = tf.reshape(tf.slice(p, [0, label], [-1, 1]), [-1]);
          const diff = tf.sub(pc, p0); // negative: the probability dropped
          // RAP Eq. 3: scale · mean(relu(diff + lo)) + mean(relu(−hi − diff)), with the range as drops
          return tf.add(tf.mul(o.scale, tf.mean(tf.relu(tf.add(diff, lo)))), tf.mean(tf.relu(tf.sub(-hi, diff)))) as tf.Scalar;
        }, [v]);
        p0.dispose();
        const g = grads[v.name]!;
        tf.tidy(() => {
          // a step of lr·‖v‖ along the normalised gradient, then back to the kept norm
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

const argmax = (p: number[]) => p.indexOf(Math.max(...p));

/** Probability drop of each text's predicted class (null: the class is not protected). */
async function drops(plain: Scorer, perClass: Map<number, { pc: Protected; scorer: Scorer }>, texts: string[]): Promise<{ pred: number; drop: number | null }[]> {
  const p = await plain.probs(texts);
  const out = p.map((row) => ({ pred: argmax(row), drop: null as number | null }));
  for (const { pc, scorer } of perClass.values()) {
    const idx = out.flatMap((o, i) => (o.pred === pc.label ? [i] : []));
    const rp = await scorer.probs(idx.map((i) => withWord(pc.word, texts[i]!)));
    idx.forEach((i, k) => (out[i]!.drop = p[i]![pc.label]! - rp[k]![pc.label]!));
  }
  return out;
}

export async function fitRap(clf: TextClassifier, cleanDev: string[], opts: RapOptions = {}): Promise<InputFilter> {
  const m = rapModelOf(clf, { engine: opts.engine });
  const C = m.labelNames.length;
  const protect = opts.protect ?? Array.from({ length: C }, (_, i) => i);
  for (const c of protect) if (!(Number.isInteger(c) && c >= 0 && c < C)) throw new InputError(`RAP: protected class ${c} is not a label index of this model (0..${C - 1})`);
  const words = opts.words ?? m.rareWords(protect.length, cleanDev);
  if (words.length < protect.length) throw new InputError(`RAP: needs ${protect.length} rare word(s), one per protected class, got ${words.length}`);
  const wids = words.slice(0, protect.length).map((w) => {
    const id = m.wordId(w);
    if (id === null) throw new InputError(`RAP: word "${w}" is not one word of this model's vocabulary`);
    return id;
  });
  const o = { probRange: opts.probRange ?? ([0.1, 0.3] as [number, number]), epochs: opts.epochs ?? 5, batchSize: opts.batchSize ?? 32, lr: opts.lr ?? 0.1, scale: opts.scale ?? 1 };
  if (!(o.probRange[0] >= 0 && o.probRange[0] < o.probRange[1] && o.probRange[1] <= 1)) throw new InputError(`RAP: probRange must be [lower, upper] with 0 ≤ lower < upper ≤ 1, got [${o.probRange}]`);
  const frr = opts.frr ?? 0.05;
  const rng = new Rng(opts.seed ?? 1).fork('rap');
  const scorers: Scorer[] = [];
  const plain = await m.scorer(null);
  scorers.push(plain);
  try {
    // predictions of the clean inputs without perturbation decide which class's word each is trained with
    const devProbs = await plain.probs(cleanDev);
    const preds = devProbs.map(argmax);
    const perClass = new Map<number, { pc: Protected; scorer: Scorer }>();
    for (const [k, label] of protect.entries()) {
      const idx = cleanDev.flatMap((_, i) => (preds[i] === label ? [i] : []));
      if (idx.length < 5) throw new InputError(`RAP: only ${idx.length} clean validation input(s) are predicted as class ${m.labelNames[label]}; need at least 5 to train its perturbation`);
      const vector = await trainVector(m, idx.map((i) => cleanDev[i]!), idx.map((i) => devProbs[i]![label]!), label, wids[k]!, words[k]!, o, rng);
      const pc: Protected = { label, word: words[k]!, wid: wids[k]!, vector, threshold: 0, inRange: 0, cleanMeanDrop: 0 };
      const scorer = await m.scorer({ wid: pc.wid, vector });
      scorers.push(scorer);
      perClass.set(label, { pc, scorer });
    }
    // calibrate each class's threshold on its own clean inputs: suspicion = −drop
    const dd = await drops(plain, perClass, cleanDev);
    for (const { pc } of perClass.values()) {
      const ds = dd.filter((d) => d.pred === pc.label && d.drop !== null).map((d) => d.drop!);
      pc.threshold = thresholdAtFrr(ds.map((d) => -d), frr);
      pc.inRange = ds.filter((d) => d >= o.probRange[0] && d <= o.probRange[1]).length / ds.length;
      pc.cleanMeanDrop = ds.reduce((a, b) => a + b, 0) / ds.length;
    }
    const prot = [...perClass.values()].map((x) => x.pc);
    let released = false;
    return {
      name: 'rap',
      threshold: Math.max(...prot.map((p) => p.threshold)),
      frr,
      info: {
        ...o,
        inference: plain.engine,
        classes: prot.map((p) => ({ label: m.labelNames[p.label], word: p.word, threshold: p.threshold, clean_in_range: p.inRange, clean_mean_drop: p.cleanMeanDrop })),
      },
      apply: async (texts) => {
        if (released) throw new Error('RAP: this filter was released');
        const d = await drops(plain, perClass, texts);
        const scores = d.map((x) => (x.drop === null ? -Infinity : -x.drop));
        return { scores, flagged: d.map((x, i) => x.drop !== null && scores[i]! > perClass.get(x.pred)!.pc.threshold), texts };
      },
      release: async () => {
        released = true;
        for (const s of scorers) await s.dispose();
      },
    };
  } catch (e) {
    for (const s of scorers) await s.dispose();
    throw e;
  }
}
