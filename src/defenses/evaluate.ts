// One defense against one backdoored victim, measured the way the issue asks: CACC and ASR after the defense
// (and before, for reference), FRR and FAR for input filters, precision/recall of the removed training
// samples for data filters, and the defense's wall time (calibration, filtering and any retraining).
//
// Input filters that reject (STRIP, RAP): a rejected clean input counts as lost for CACC (CACC = accepted and
// correct / all clean inputs), a rejected triggered input as a failed attack. ONION corrects instead of
// rejecting: CACC and ASR are measured on the corrected texts; an input counts as flagged when ONION removed
// a word from it.
import * as fs from 'node:fs';
import type { Example } from '../data/types.js';
import { readText, splitLines } from '../data/index.js';
import { shippedDataDir } from '../data/assets.js';
import { BertClassifier, CnnClassifier, type TextClassifier } from '../models/classifier.js';
import { accuracy, asr as asrOf, trueLabel, type AsrGoal } from '../eval/index.js';
import { InputError } from '../common/errors.js';
import type { DefenseConfig } from './config.js';
import { detectionRates, removalQuality, type DetectionRates, type RemovalQuality } from './detection.js';
import { probabilities, type InputFilter, type Victim } from './scoring.js';
import { BigramLm } from './ngram-lm.js';
import { fitOnion } from './onion.js';
import { fitStrip } from './strip.js';
import { fitRap } from './rap.js';
import { bkiFilter } from './bki.js';
import { cubeFilter } from './cube.js';
import { finePrune } from './fine-pruning.js';
import * as path from 'node:path';

export interface DefenseInput {
  /** the victim, trained on `train` */
  victim: Victim;
  /** its training set, poisoned examples marked (`poisoned: true`) */
  train: readonly Example[];
  /** clean validation data: thresholds, fine-tuning */
  dev: readonly Example[];
  /** clean test data */
  test: readonly Example[];
  /** the triggered test inputs (true labels in `originalLabel` or `label`) and what counts as success */
  triggered: readonly Example[];
  goal: AsrGoal | null;
  seed: number;
  /** train a fresh victim on a filtered training set, as the victim was trained (data filters) */
  retrain?: (train: Example[]) => Promise<TextClassifier>;
}

export interface DefenseMetrics {
  defense: string;
  config: DefenseConfig;
  cacc: number;
  asr: number | null;
  cacc_before: number;
  asr_before: number | null;
  /** input filters */
  detection?: DetectionRates & { threshold: number; score_quartiles?: { clean: number[]; triggered: number[] } };
  /** data filters */
  removal?: RemovalQuality & { kept: number };
  seconds: number;
  info: Record<string, unknown>;
}

/** The MR sentences the package ships: ONION's default LM corpus. */
export function defaultLmCorpus(): string[] {
  const dir = path.join(shippedDataDir(), 'mr_rt_polarity');
  return ['rt-polarity.pos', 'rt-polarity.neg'].flatMap((f) => splitLines(readText(path.join(dir, f), 'latin1')).map((l) => l.text).filter((t) => t.trim() !== ''));
}

/** ONION's LM: a bigram over a corpus file (one sentence a line) or the shipped MR sentences. */
export function onionLm(corpusFile?: string): BigramLm {
  if (!corpusFile) return BigramLm.train(defaultLmCorpus());
  if (!fs.existsSync(corpusFile)) throw new InputError('no such LM corpus file', corpusFile);
  const lines = splitLines(readText(corpusFile, 'utf8')).map((l) => l.text).filter((t) => t.trim() !== '');
  if (lines.length === 0) throw new InputError('the LM corpus has no sentences', corpusFile);
  return BigramLm.train(lines);
}

const argmaxOf = (p: number[]) => p.indexOf(Math.max(...p));

async function labelsOf(clf: Victim, texts: string[]): Promise<number[]> {
  return (await probabilities(clf, texts)).map(argmaxOf);
}

/** ASR where rejected inputs count as failed attacks (their prediction is taken as the true label). */
function asrAccepted(pred: number[], flagged: boolean[], triggered: readonly Example[], goal: AsrGoal): number {
  return asrOf(pred.map((p, i) => (flagged[i] ? trueLabel(triggered[i]!) : p)), triggered, goal);
}

/** Per cluster id, the poisoned training examples of `label` it holds. */
function poisonedByCluster(train: readonly Example[], clusters: readonly number[], label: number): Record<string, number> {
  const n: Record<string, number> = {};
  train.forEach((e, i) => {
    if (e.label === label && e.poisoned) n[String(clusters[i])] = (n[String(clusters[i])] ?? 0) + 1;
  });
  return n;
}

/** `engine`: where RAP runs a BERT victim's inference ('auto': onnxruntime when it loads; its training is tfjs). */
export async function fitInputFilter(cfg: DefenseConfig, victim: Victim, devTexts: string[], seed: number, lmCorpus?: string, engine?: 'auto' | 'onnx' | 'tfjs'): Promise<InputFilter> {
  const frr = cfg.frr ?? 0.05;
  if (cfg.type === 'onion') return fitOnion(onionLm(lmCorpus ?? cfg.lmCorpus), devTexts, frr);
  if (cfg.type === 'strip') return fitStrip(victim, devTexts, { frr, repeat: cfg.repeat, swapRatio: cfg.swapRatio, seed });
  if (cfg.type === 'rap') {
    if (!(victim instanceof CnnClassifier || victim instanceof BertClassifier)) throw new InputError('rap needs a SentenceCNN or BERT classifier loaded with tfjs (it trains a word embedding through the model)');
    return fitRap(victim, devTexts, { frr, probRange: cfg.probRange, words: cfg.words, epochs: cfg.epochs, lr: cfg.lr, seed, engine });
  }
  throw new InputError(`${cfg.type} is not an input filter`);
}

/** Run one defense and measure it. A fine-pruned victim is changed in place. */
export async function runDefense(cfg: DefenseConfig, input: DefenseInput, opts: { lmCorpus?: string; engine?: 'auto' | 'onnx' | 'tfjs' } = {}): Promise<DefenseMetrics> {
  const { victim, test, triggered, goal } = input;
  const testTexts = test.map((e) => e.text);
  const trigTexts = triggered.map((e) => e.text);
  const before = await labelsOf(victim, [...testTexts, ...trigTexts]);
  const caccBefore = accuracy(before.slice(0, test.length), test);
  const asrBefore = goal && triggered.length ? asrOf(before.slice(test.length), triggered, goal) : null;
  const base = { defense: cfg.type, config: cfg, cacc_before: caccBefore, asr_before: asrBefore };
  const t0 = performance.now();
  if (cfg.type === 'onion' || cfg.type === 'strip' || cfg.type === 'rap') {
    const filter = await fitInputFilter(cfg, victim, input.dev.map((e) => e.text), input.seed, opts.lmCorpus, opts.engine);
    let f;
    try {
      f = await filter.apply([...testTexts, ...trigTexts]);
    } finally {
      await filter.release?.();
    }
    const rejects = cfg.type !== 'onion';
    const pred = cfg.type === 'onion' ? await labelsOf(victim, f.texts) : before;
    const seconds = (performance.now() - t0) / 1000;
    const cf = f.flagged.slice(0, test.length);
    const pf = f.flagged.slice(test.length);
    const cp = pred.slice(0, test.length);
    const cacc = rejects ? cp.filter((p, i) => !cf[i] && p === test[i]!.label).length / test.length : accuracy(cp, test);
    const tp = pred.slice(test.length);
    const asr = goal && triggered.length ? (rejects ? asrAccepted(tp, pf, triggered, goal) : asrOf(tp, triggered, goal)) : null;
    // the score distributions behind FRR and FAR (what a failing filter's numbers need to be read)
    const quartiles = (xs: number[]) => {
      const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
      return s.length ? [0.25, 0.5, 0.75].map((q) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!) : [];
    };
    const scoreQuartiles = { clean: quartiles(f.scores.slice(0, test.length)), triggered: quartiles(f.scores.slice(test.length)) };
    return { ...base, cacc, asr, detection: { ...detectionRates(cf, pf), threshold: filter.threshold, score_quartiles: scoreQuartiles }, seconds, info: filter.info };
  }
  if (cfg.type === 'bki' || cfg.type === 'cube') {
    if (!input.retrain) throw new InputError(`${cfg.type} filters the training set and retrains: give a retrain function`);
    const train = [...input.train];
    if (!(victim instanceof CnnClassifier || victim instanceof BertClassifier)) throw new InputError(`${cfg.type} needs a SentenceCNN or BERT classifier loaded with tfjs (it reads the victim's representations)`);
    const r = cfg.type === 'bki' ? await bkiFilter(victim, train, { topK: cfg.topK, engine: opts.engine }) : await cubeFilter(victim, train, { pcaDims: cfg.pcaDims, neighbors: cfg.neighbors, minPts: cfg.minPts, seed: input.seed, engine: opts.engine });
    const kept = train.filter((_, i) => !r.removed[i]);
    const filterSeconds = (performance.now() - t0) / 1000;
    const retrained = await input.retrain(kept);
    try {
      const seconds = (performance.now() - t0) / 1000;
      const after = await labelsOf(retrained, [...testTexts, ...trigTexts]);
      // CUBE: per label, how many of each cluster's examples were poisoned (where the poison landed: the evidence
      // behind a failed filter, e.g. poisoned examples inside the label's largest cluster)
      const info = 'keyword' in r ? { keyword: r.keyword, ranking: r.ranking } : { eps: r.eps, per_label: r.perLabel.map((l) => ({ ...l, poisoned: poisonedByCluster(train, r.clusters, l.label) })) };
      return {
        ...base,
        cacc: accuracy(after.slice(0, test.length), test),
        asr: goal && triggered.length ? asrOf(after.slice(test.length), triggered, goal) : null,
        removal: { ...removalQuality(r.removed, train.map((e) => e.poisoned === true)), kept: kept.length },
        seconds,
        info: { ...info, filter_seconds: filterSeconds },
      };
    } finally {
      retrained.dispose();
    }
  }
  // fine-pruning
  if (!(victim instanceof CnnClassifier || victim instanceof BertClassifier)) throw new InputError('fine-pruning needs a SentenceCNN or BERT classifier loaded with tfjs (it changes the weights)');
  const r = await finePrune(victim, input.dev, input.dev, { maxAccuracyDrop: cfg.maxAccuracyDrop, step: cfg.step, epochs: cfg.epochs, lr: cfg.lr, layers: cfg.layers, seed: input.seed });
  const seconds = (performance.now() - t0) / 1000;
  const after = await labelsOf(victim, [...testTexts, ...trigTexts]);
  return {
    ...base,
    cacc: accuracy(after.slice(0, test.length), test),
    asr: goal && triggered.length ? asrOf(after.slice(test.length), triggered, goal) : null,
    seconds,
    info: { ...r },
  };
}
