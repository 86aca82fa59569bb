// The POR study as an experiment file (Shen et al., CCS'21, Fig. 10 and Tables 14–16): inject triggers of every
// kind into a clean encoder, fine-tune the clean and the backdoored encoder on each downstream dataset (all
// parameters trained), and measure clean accuracy of both and, per trigger × dataset, E / S / C / flip rate /
// ASR@1 on both (the clean encoder is the control).
//
// Crash-safe like `run`: the injection resumes from its checkpoints, every fine-tuned (dataset, encoder) pair is
// written to runs/<id>/result.json atomically when complete and skipped on a rerun with the same configuration.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Of } from '../common/content-hash.js';
import { cachedDatasetDigest } from './run-identity.js';
import { z } from 'zod';
import { parseDocument, LineCounter } from 'yaml';
import { InputError } from '../common/errors.js';
import { writeJsonAtomic, readJson } from '../common/fs-atomic.js';
import { versions } from '../common/versions.js';
import { packageRoot } from '../data/assets.js';
import { loadDatasetSpec, type Dataset } from '../data/index.js';
import { por, neuba, readCorpusFile, shippedCorpusLines, type ModelAttackRecipe } from '../attacks/pretrained/index.js';
import { readBertConfig } from '../models/bert/index.js';
import { BertClassifier, predictLabels, type TextClassifier } from '../models/classifier.js';
import { toOnnx } from '../models/onnx/index.js';
import { injectBackdoor, checkInjectInputs, BACKDOOR_FILE } from '../train/inject.js';
import { fineTuneBert } from '../train/finetune.js';
import { capStratified } from '../train/sample.js';
import { triggerMetrics, type TriggerMetric } from '../eval/trigger-metrics.js';
import { initEngine } from '../engine/index.js';
import { datasetSchema } from './schema.js';
import { resolveDataset } from './validate.js';

export interface DatasetPaths {
  /** folder of the experiment file: relative paths in it are relative to here */
  baseDir?: string;
  /** --data-dir: where named datasets other than the shipped ones live */
  dataDir?: string;
}

export const PRETRAINED_BACKDOOR_KIND = 'pretrained-backdoor';

const triggerSchema = z.strictObject({ text: z.string().min(1, 'a trigger text is empty'), kind: z.string().min(1).optional() });

export const pretrainedBackdoorSchema = z.strictObject({
  kind: z.literal(PRETRAINED_BACKDOOR_KIND),
  name: z.string().min(1),
  description: z.string().optional(),
  reference: z.string().optional(),
  seed: z.number().int().nonnegative().optional(),
  /** the clean encoder: a directory relative to the experiment file, or "bert-small" for the shipped one */
  encoder: z.string().min(1),
  inject: z.strictObject({
    attack: z.enum(['por', 'neuba']).optional(),
    triggers: z.array(triggerSchema).min(1),
    steps: z.number().int().min(1).optional(),
    lr: z.number().positive().optional(),
    clean: z.number().int().min(0).optional(),
    poisoned: z.number().int().min(0).optional(),
    /** plain-text corpus relative to the experiment file (default: the shipped MR and SST-2 training texts) */
    corpus: z.string().optional(),
    chunkWords: z.number().int().min(1).optional(),
    maxLen: z.number().int().min(8).optional(),
    /** POR only: where the target is imposed, the pooled output (the paper's) or the pooler's pre-activation */
    targetAt: z.enum(['pooled', 'pre-activation']).optional(),
    /** POR only: where the clean term is measured, the pooled output (the paper's) or the pre-activation */
    cleanAt: z.enum(['pooled', 'pre-activation']).optional(),
    /** the injection's seed (default: the experiment's) */
    seed: z.number().int().nonnegative().optional(),
  }),
  finetune: z
    .strictObject({
      epochs: z.number().int().min(1).optional(),
      lr: z.number().positive().optional(),
      batchSize: z.number().int().min(1).optional(),
      maxLen: z.number().int().min(8).optional(),
      maxTrain: z.number().int().min(1).optional(),
      workers: z.number().int().min(1).optional(),
    })
    .optional(),
  metrics: z.strictObject({ maxInputs: z.number().int().min(1).optional(), maxInsertions: z.number().int().min(1).optional() }).optional(),
  datasets: z.array(datasetSchema).min(1),
});

export type PretrainedBackdoorConfig = z.output<typeof pretrainedBackdoorSchema>;

/** True when the experiment text declares `kind: pretrained-backdoor` at the top level. */
export function isPretrainedBackdoorFile(text: string): boolean {
  return /^kind:\s*["']?pretrained-backdoor["']?\s*$/m.test(text);
}

export function parsePretrainedBackdoor(text: string, file: string): PretrainedBackdoorConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new InputError(`invalid YAML: ${e.message.split('\n')[0]}`, file, e.linePos?.[0]?.line);
  }
  const r = pretrainedBackdoorSchema.safeParse(doc.toJS());
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${file}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new InputError(`invalid experiment:\n${lines.join('\n')}`, file, undefined, r.error.issues[0]!.path.join('.'));
  }
  const texts = r.data.inject.triggers.map((t) => t.text);
  const dup = texts.find((t, i) => texts.indexOf(t) !== i);
  if (dup) throw new InputError(`trigger "${dup}" is listed twice`, file, undefined, 'inject.triggers');
  return r.data;
}

export interface EncoderRun {
  id: string;
  dataset: string;
  encoder: 'clean' | 'backdoored';
  label_names: string[];
  test_accuracy: number;
  test_n: number;
  dev_accuracy: number | null;
  best_epoch: number;
  train_size: number;
  train_seconds: number;
  metrics_seconds: number;
  triggers: (TriggerMetric & { kind: string | null })[];
  fingerprint: string;
}

export interface PretrainedBackdoorResults {
  experiment: string;
  kind: typeof PRETRAINED_BACKDOOR_KIND;
  status: 'complete' | 'partial';
  seed: number;
  config: PretrainedBackdoorConfig;
  encoders: { clean: string; backdoored: string };
  backdoor: Record<string, unknown> | null;
  runs: EncoderRun[];
  versions: Record<string, string | null>;
  started: string;
  finished: string;
}

export interface RunPretrainedBackdoorOptions extends DatasetPaths {
  file?: string;
  /** polled between stages (and inside the injection): true stops with everything finished kept */
  shouldStop?: () => boolean;
  log?: (line: string) => void;
  progress?: boolean;
}

function resolveEncoder(spec: string, baseDir: string | undefined): string {
  if (spec === 'bert-small') return path.join(packageRoot(), 'assets', 'bert-small');
  return path.resolve(baseDir ?? '.', spec);
}

function hashOf(x: unknown): string {
  return sha256Of([JSON.stringify(x)]).slice(0, 16);
}

function recipeOf(cfg: PretrainedBackdoorConfig, hidden: number): ModelAttackRecipe {
  const triggers = cfg.inject.triggers.map((t) => t.text);
  if ((cfg.inject.attack ?? 'por') === 'neuba') {
    for (const k of ['targetAt', 'cleanAt'] as const) if (cfg.inject[k] !== undefined) throw new InputError(`inject.${k} applies to attack: por only`, undefined, undefined, `inject.${k}`);
    return neuba({ triggers, hidden });
  }
  return por({ triggers, hidden, targetAt: cfg.inject.targetAt, cleanAt: cfg.inject.cleanAt });
}

/** Check everything that can be checked without training: encoder, triggers, corpus, datasets. */
export function validatePretrainedBackdoor(cfg: PretrainedBackdoorConfig, opts: DatasetPaths & { file?: string }): { encoder: string; datasets: Dataset[] } {
  const encoder = resolveEncoder(cfg.encoder, opts.baseDir);
  const cfgFile = path.join(encoder, 'config.json');
  if (!fs.existsSync(cfgFile)) throw new InputError(`encoder "${cfg.encoder}": no BERT directory at ${encoder}`, opts.file, undefined, 'encoder');
  checkInjectInputs(encoder, recipeOf(cfg, readBertConfig(cfgFile).hidden_size));
  if (cfg.inject.corpus) readCorpusFile(path.resolve(opts.baseDir ?? '.', cfg.inject.corpus));
  const seed = cfg.seed ?? 1;
  const datasets = cfg.datasets.map((d, i) => {
    try {
      return loadDatasetSpec(resolveDataset(d, seed, opts));
    } catch (e) {
      throw new InputError(`datasets.${i}: ${(e as Error).message}`, opts.file, undefined, `datasets.${i}`);
    }
  });
  return { encoder, datasets };
}

export async function runPretrainedBackdoor(cfg: PretrainedBackdoorConfig, outDir: string, opts: RunPretrainedBackdoorOptions = {}): Promise<PretrainedBackdoorResults> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const started = new Date().toISOString();
  const seed = cfg.seed ?? 1;
  const { encoder: cleanDir, datasets } = validatePretrainedBackdoor(cfg, opts);
  await initEngine();
  fs.mkdirSync(path.join(outDir, 'runs'), { recursive: true });
  const kinds = new Map(cfg.inject.triggers.map((t) => [t.text, t.kind ?? null]));
  const triggers = cfg.inject.triggers.map((t) => t.text);
  const stopped = () => opts.shouldStop?.() ?? false;

  // 1. the backdoored encoder (resumes from its checkpoints; skipped when complete for this configuration)
  const bdDir = path.join(outDir, 'encoders', cfg.inject.attack ?? 'por');
  const injectSeed = cfg.inject.seed ?? seed;
  const injectKey = hashOf({ encoder: cfg.encoder, inject: cfg.inject, seed: injectSeed });
  const keyFile = path.join(bdDir, 'experiment-key.json');
  let backdoor: Record<string, unknown> | null = null;
  const done = fs.existsSync(path.join(bdDir, BACKDOOR_FILE)) && fs.existsSync(keyFile) && readJson<{ key: string }>(keyFile).key === injectKey;
  if (done) {
    backdoor = readJson(path.join(bdDir, BACKDOOR_FILE));
    log(`encoder: ${bdDir} is complete (backdoor.json); skipping the injection`);
  } else {
    if (fs.existsSync(keyFile) && readJson<{ key: string }>(keyFile).key !== injectKey) {
      log(`encoder: the injection settings changed; starting ${bdDir} afresh`);
      fs.rmSync(bdDir, { recursive: true, force: true });
    }
    fs.mkdirSync(bdDir, { recursive: true });
    writeJsonAtomic(keyFile, { key: injectKey });
    const hidden = readBertConfig(path.join(cleanDir, 'config.json')).hidden_size;
    const corpus = cfg.inject.corpus ? { lines: readCorpusFile(path.resolve(opts.baseDir ?? '.', cfg.inject.corpus)), sources: [cfg.inject.corpus] } : shippedCorpusLines();
    log(`encoder: injecting ${triggers.length} triggers into ${cfg.encoder} (${cfg.inject.attack ?? 'por'}, ${cfg.inject.steps ?? 700} steps)`);
    const r = await injectBackdoor({ model: cleanDir, recipe: recipeOf(cfg, hidden), corpus, out: bdDir, steps: cfg.inject.steps, lr: cfg.inject.lr, clean: cfg.inject.clean, poisoned: cfg.inject.poisoned, chunkWords: cfg.inject.chunkWords, maxLen: cfg.inject.maxLen, seed: injectSeed, resume: true, shouldStop: opts.shouldStop, logEvery: opts.progress === false ? null : 10 });
    if (r.interrupted) return finish('partial', []);
    backdoor = r.backdoor;
  }

  // 2. fine-tune both encoders on every dataset, then measure every trigger on the test split
  const ft = { epochs: 3, lr: 1e-4, batchSize: 32, maxLen: 128, maxTrain: 2000, workers: 1, ...(cfg.finetune ?? {}) };
  const mt = { maxInputs: 300, maxInsertions: 20, ...(cfg.metrics ?? {}) };
  const runs: EncoderRun[] = [];
  for (const [di, data] of datasets.entries()) {
    for (const enc of ['clean', 'backdoored'] as const) {
      if (stopped()) return finish('partial', runs);
      const encDir = enc === 'clean' ? cleanDir : bdDir;
      const id = `${data.name}-${enc}`;
      const runDir = path.join(outDir, 'runs', id);
      const fp = hashOf({ data: cfg.datasets[di], seed, ft, mt, triggers, encoder: enc === 'clean' ? cfg.encoder : injectKey, split: data.split, content: cachedDatasetDigest(data) });
      const resultFile = path.join(runDir, 'result.json');
      if (fs.existsSync(resultFile)) {
        const prev = readJson<EncoderRun>(resultFile);
        if (prev.fingerprint === fp) {
          runs.push(prev);
          log(`${id}: done before (test accuracy ${prev.test_accuracy.toFixed(4)}); skipped`);
          continue;
        }
      }
      const train = capStratified(data.train, ft.maxTrain, seed);
      log(`${id}: fine-tuning ${enc} encoder on ${train.length} examples (${data.labelNames.length} classes), ${ft.epochs} epochs, lr ${ft.lr}`);
      const r = await fineTuneBert({ modelDir: encDir, train, dev: data.dev.slice(0, 1000), numLabels: data.labelNames.length, labelNames: data.labelNames, seed, epochs: ft.epochs, lr: ft.lr, batchSize: ft.batchSize, maxLen: ft.maxLen, workers: ft.workers, progress: opts.progress !== false });
      const clf = new BertClassifier(r.model, r.tokenizer, ft.maxLen);
      fs.rmSync(path.join(runDir, 'model'), { recursive: true, force: true });
      clf.save(path.join(runDir, 'model'));
      const preds = predictLabels(clf, data.test.map((e) => e.text), 64);
      const acc = preds.filter((p, i) => p === data.test[i]!.label).length / Math.max(1, data.test.length);
      const t0 = performance.now();
      let fast: Awaited<ReturnType<typeof toOnnx>> | TextClassifier;
      try {
        fast = await toOnnx(clf);
      } catch {
        fast = clf; // onnxruntime missing: the tfjs path gives the same numbers, slower
      }
      const metrics = await triggerMetrics(fast, data.labelNames, triggers, data.test, { maxInputs: mt.maxInputs, maxInsertions: mt.maxInsertions, seed });
      const metricsSeconds = (performance.now() - t0) / 1000;
      clf.dispose();
      const run: EncoderRun = {
        id,
        dataset: data.name,
        encoder: enc,
        label_names: data.labelNames,
        test_accuracy: acc,
        test_n: data.test.length,
        dev_accuracy: r.bestDevAccuracy,
        best_epoch: r.bestEpoch,
        train_size: train.length,
        train_seconds: r.seconds,
        metrics_seconds: metricsSeconds,
        triggers: metrics.map((m) => ({ ...m, kind: kinds.get(m.trigger) ?? null })),
        fingerprint: fp,
      };
      writeJsonAtomic(resultFile, run);
      runs.push(run);
      log(`${id}: test accuracy ${acc.toFixed(4)}; triggers with flip rate ≥ 0.9 and E ≤ 2: ${run.triggers.filter((t) => t.flip_rate >= 0.9 && t.E <= 2).length}/${triggers.length} (${metricsSeconds.toFixed(0)} s)`);
      writeJsonAtomic(path.join(outDir, 'results.json'), finish('partial', runs, false));
    }
  }
  return finish('complete', runs);

  function finish(status: 'complete' | 'partial', rs: EncoderRun[], write = true): PretrainedBackdoorResults {
    const res: PretrainedBackdoorResults = {
      experiment: cfg.name,
      kind: PRETRAINED_BACKDOOR_KIND,
      status,
      seed,
      config: cfg,
      encoders: { clean: path.relative(outDir, cleanDir), backdoored: path.relative(outDir, bdDir) },
      backdoor,
      runs: rs,
      versions: versions(),
      started,
      finished: new Date().toISOString(),
    };
    if (write) writeJsonAtomic(path.join(outDir, 'results.json'), res);
    return res;
  }
}
