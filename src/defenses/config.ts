// The `defense:` section of an experiment run and the options of `nlp-backdoor defend`: one flat, strict
// schema over every defense type, so a sweep may vary `defense.type` (and any parameter) freely; a parameter
// applies to the types its description names and is ignored by the others.
import { z } from 'zod';

export const DEFENSE_TYPES = ['onion', 'strip', 'rap', 'bki', 'cube', 'fine-pruning'] as const;
export type DefenseType = (typeof DEFENSE_TYPES)[number];
export const INPUT_FILTERS: readonly DefenseType[] = ['onion', 'strip', 'rap'];
export const DATA_FILTERS: readonly DefenseType[] = ['bki', 'cube'];

const share = (what: string) => z.number({ error: `${what} must be a number in [0, 1)` }).min(0, `${what} must be ≥ 0`).lt(1, `${what} must be < 1`);
const posInt = (what: string) => z.number({ error: `${what} must be a whole number ≥ 1` }).int(`${what} must be a whole number`).min(1, `${what} must be ≥ 1`);

export const defenseConfigSchema = z.strictObject({
  type: z.enum(DEFENSE_TYPES, { error: `defense.type must be one of ${DEFENSE_TYPES.join(', ')}` }).describe('input filters: onion, strip, rap; training-data filters: bki, cube; model repair: fine-pruning'),
  frr: share('frr').optional().describe('onion, strip, rap: false-rejection rate on clean validation data that sets the threshold (default 0.05)'),
  lmCorpus: z.string().min(1).optional().describe('onion: text file, one sentence a line, to train the bigram LM on (default: the shipped MR sentences); relative to the experiment file'),
  repeat: posInt('repeat').optional().describe('strip: perturbed copies per input (default 5)'),
  swapRatio: share('swapRatio').optional().describe('strip: share of words replaced per copy (default 0.5)'),
  probRange: z.tuple([z.number().min(0), z.number().max(1)], { error: 'probRange must be [lower, upper], e.g. [0.1, 0.3]' }).optional().describe('rap: the wanted drop of the predicted-class probability on clean inputs (default [0.1, 0.3])'),
  words: z.array(z.string().min(1)).min(1).optional().describe('rap: the rare words, one per class (default: the rarest vocabulary words)'),
  epochs: posInt('epochs').optional().describe('rap: perturbation training epochs (default 5); fine-pruning: fine-tuning epochs (default 3)'),
  lr: z.number().positive('lr must be > 0').optional().describe('rap: step of the perturbation as a share of its norm (default 0.1); fine-pruning: fine-tuning learning rate (default 5e-4 for a SentenceCNN, 1e-4 for BERT)'),
  topK: posInt('topK').optional().describe('bki: words kept per sentence (default 5)'),
  pcaDims: posInt('pcaDims').optional().describe('cube: PCA dimensions before UMAP (default 20)'),
  neighbors: posInt('neighbors').optional().describe('cube: UMAP n_neighbors (default 15)'),
  minPts: posInt('minPts').optional().describe('cube: DBSCAN minPts (default 10)'),
  maxAccuracyDrop: share('maxAccuracyDrop').optional().describe('fine-pruning: clean validation accuracy may fall this much while pruning (default 0.05)'),
  step: z.number().gt(0).lt(1).optional().describe('fine-pruning: prune in steps of this share of the filters (BERT: feed-forward neurons) (default 0.05)'),
  layers: posInt('layers').optional().describe('fine-pruning, BERT victims: prune the feed-forward neurons of the last N encoder layers (default 1)'),
});

export type DefenseConfig = z.output<typeof defenseConfigSchema>;
