// `nlp-backdoor defend`: one defense against a trained (possibly backdoored) classifier, measured on a
// dataset's clean test split and, with --attack, on its triggered test inputs; writes DIR/defense.json (and
// DIR/filtered.jsonl for --input, DIR/model for fine-pruning and the retrained model of bki/cube).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../command.js';
import { str, num, list, requireStr, UsageError } from '../args.js';
import { datasetFlags, loadDatasetFromArgs } from '../dataset-flags.js';
import { initEngine } from '../../engine/index.js';
import { BertClassifier, CnnClassifier, loadClassifier } from '../../models/classifier.js';
import { classifierLabels } from '../classifier-dir.js';
import { createAttack, poison, triggeredTestSet, asrGoalOf, type PoisonRecipe } from '../../attacks/index.js';
import { defenseConfigSchema, runDefense, fitInputFilter, DEFENSE_TYPES, INPUT_FILTERS, DATA_FILTERS, type DefenseConfig } from '../../defenses/index.js';
import { trainClassifier } from '../../train/train-classifier.js';
import { fineTuneBert } from '../../train/finetune.js';
import { capStratified } from '../../train/sample.js';
import { readText, splitLines } from '../../data/index.js';
import { writeJsonAtomic, writeFileAtomic } from '../../common/fs-atomic.js';
import { versions } from '../../common/versions.js';
import { outFolderFlag } from '../out-path.js';
import { engineFlags, engineOf, loadEngineClassifier } from '../engine.js';
import type { Victim } from '../../defenses/index.js';
import { bertHyperparametersFromArgs, cnnConfigFromArgs, trainFlags } from './train.js';

/** --defense and the --param key=value pairs, checked against the defense schema (before any work). */
export function defenseConfigFromArgs(name: string | undefined, params: string[]): DefenseConfig {
  if (!name) throw new UsageError(`--defense is required: ${DEFENSE_TYPES.join(', ')}`);
  const raw: Record<string, unknown> = { type: name };
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${p}: expected key=value, e.g. --param frr=0.01`);
    const v = p.slice(eq + 1);
    let value: unknown = v;
    try {
      value = JSON.parse(v);
    } catch {
      // a bare word is a string
    }
    raw[p.slice(0, eq)] = value;
  }
  const r = defenseConfigSchema.safeParse(raw);
  if (!r.success) {
    const iss = r.error.issues[0]!;
    const key = iss.code === 'unrecognized_keys' ? iss.keys[0] : iss.path.join('.');
    throw new UsageError(`--${key === 'type' ? 'defense' : `param ${key}`}: ${iss.message}`);
  }
  return r.data;
}

function attackFromArgs(json: string | undefined): PoisonRecipe | null {
  if (json === undefined) return null;
  let a: unknown;
  try {
    a = JSON.parse(json);
  } catch (e) {
    throw new UsageError(`--attack must be an attack as JSON, e.g. '{"type":"badnets","proportion":0.1,"target":"positive"}': ${(e as Error).message}`);
  }
  try {
    return createAttack(a as Parameters<typeof createAttack>[0]);
  } catch (e) {
    throw new UsageError(`--attack: ${(e as Error).message}`);
  }
}

export const defend: Command = {
  name: 'defend',
  summary: 'apply a defense (onion, strip, rap, bki, cube, fine-pruning) to a trained classifier and measure it',
  usage: '--defense NAME --model DIR --dataset NAME|FILE [--attack JSON] [--input FILE] --out DIR [--param key=value ...]',
  flags: {
    defense: { type: 'string', description: `the defense: ${DEFENSE_TYPES.join(', ')}` },
    model: { type: 'string', description: 'the classifier to defend (a train/run output\'s model/ folder, or a Hugging Face BERT directory)' },
    base: { type: 'string', description: 'bki/cube on a BERT victim: the BERT directory it was fine-tuned from (e.g. assets/bert-small); the retraining fine-tunes it again on the kept examples' },
    workers: { type: 'string', description: 'bki/cube: worker threads computing each batch of the retraining data-parallel (default 1)' },
    ...datasetFlags,
    attack: { type: 'string', description: 'the attack the model may carry, as in experiment files (JSON): its triggered test inputs give ASR and FAR; bki/cube filter the training split poisoned with it (with --seed)' },
    input: { type: 'string', description: 'input filters: also filter these texts (one per line) into DIR/filtered.jsonl' },
    param: { type: 'list', description: 'a defense parameter key=value (repeatable), e.g. frr=0.01, repeat=10, probRange=[0.1,0.3] (see `nlp-backdoor schema`)' },
    out: { type: 'string', description: 'output folder: defense.json, filtered.jsonl, model/' },
    seed: { type: 'string', description: 'seed of the split, poisoning, perturbations and retraining', default: '1' },
    'max-train': { type: 'string', description: 'bki/cube: the training split capped at N examples (seeded, stratified), as the victim was trained' },
    ...trainFlags,
    ...engineFlags,
    quiet: { type: 'boolean', description: 'no progress output' },
  },
  details: 'onion and strip run the model through onnxruntime when it loads (--engine auto), else tfjs; rap trains its word vectors through tfjs and, on a BERT, scores through onnxruntime when it loads; the other defenses use tfjs.\nThresholds of the input filters are set on the dataset\'s clean dev split at the stated false-rejection rate (default 5%).\nbki and cube read the victim\'s representations (a SentenceCNN\'s pooled features; a BERT\'s last-layer [CLS] state, through onnxruntime when it loads) and retrain on the kept examples: a SentenceCNN with the training flags, a BERT by fine-tuning --base again (--epochs, --batch-size, --lr, --max-length, --weight-decay; defaults as `train --model bert:DIR`: 3, 32, 5e-5, 128, 0.01). docs/defenses.md describes each defense and its measured numbers.',
  async run(args) {
    // every flag and the model directory are checked before any data is read or anything is trained
    const cfg = defenseConfigFromArgs(str(args, 'defense'), list(args, 'param'));
    const dir = requireStr(args, 'model');
    const out = outFolderFlag(args);
    const seed = num(args, 'seed', { int: true }) ?? 1;
    const maxTrain = num(args, 'max-train', { int: true, min: 1 });
    const trainCfg = cnnConfigFromArgs(args);
    const recipe = attackFromArgs(str(args, 'attack'));
    const input = str(args, 'input');
    const engineName = engineOf(args); // checked before any work
    if (engineName === 'onnx-int8') throw new UsageError('--engine onnx-int8 is for classifier inference (scan, predict, trigger-metrics); defend runs float32 (auto, onnx or tfjs)');
    if (input && !INPUT_FILTERS.includes(cfg.type)) throw new UsageError(`--input: ${cfg.type} is not an input filter (onion, strip, rap filter inputs)`);
    if (input && !fs.existsSync(input)) throw new UsageError(`--input ${input}: no such file`);
    if (cfg.lmCorpus && !fs.existsSync(cfg.lmCorpus)) throw new UsageError(`--param lmCorpus: no such file ${cfg.lmCorpus}`);
    if (DATA_FILTERS.includes(cfg.type) && !recipe) throw new UsageError(`${cfg.type} filters the poisoned training set: give --attack (the attack the model was trained with, same --seed)`);
    const { kind, labelNames } = classifierLabels(dir);
    const base = str(args, 'base');
    const workers = num(args, 'workers', { int: true, min: 1 }) ?? 1;
    if (DATA_FILTERS.includes(cfg.type) && kind === 'bert') {
      if (!base) throw new UsageError(`--defense ${cfg.type} retrains the BERT victim on the kept examples: give --base, the BERT directory it was fine-tuned from (e.g. --base assets/bert-small)`);
      if (!fs.existsSync(path.join(base, 'config.json'))) throw new UsageError(`--base ${base}: not a BERT directory (no config.json)`);
    } else if (base) throw new UsageError(`--base is for bki and cube on a BERT victim`);
    const bertHp = bertHyperparametersFromArgs(args);
    const data = loadDatasetFromArgs(args, seed);
    if (data.labelNames.join('\u0000') !== labelNames.join('\u0000')) {
      throw new UsageError(`the model's labels (${labelNames.join(', ')}) differ from the dataset's (${data.labelNames.join(', ')}): give the data the model was trained on`);
    }
    const engine = await initEngine();
    // onion and strip only need probabilities: onnxruntime when it loads (--engine), the others work through tfjs
    const victim: Victim = cfg.type === 'onion' || cfg.type === 'strip' ? (await loadEngineClassifier(args, dir)).clf : await loadClassifier(dir);
    const progress = !args.flags['quiet'];
    if (progress) process.stderr.write(`defense ${cfg.type} on ${dir} (${kind}); dataset ${data.name}: dev ${data.dev.length}, test ${data.test.length}; backend ${engine.backend}\n`);
    const capped = maxTrain !== undefined ? capStratified(data.train, maxTrain, seed) : data.train;
    const train = recipe && DATA_FILTERS.includes(cfg.type) ? poison(capped, recipe, { seed, labelNames: data.labelNames }) : capped;
    const triggered = recipe && recipe.label.kind !== 'keep' ? triggeredTestSet(data, recipe, { seed, labelNames: data.labelNames }) : [];
    const metrics = await runDefense(cfg, {
      victim,
      train,
      dev: data.dev,
      test: data.test,
      triggered,
      goal: recipe && recipe.label.kind !== 'keep' ? asrGoalOf(recipe, data.labelNames) : null,
      seed,
      retrain: async (kept) => {
        if (base) {
          const ft = await fineTuneBert({ modelDir: base, train: kept, dev: data.dev, numLabels: data.labelNames.length, labelNames: data.labelNames, seed, progress, workers, ...bertHp });
          const bert = new BertClassifier(ft.model, ft.tokenizer, bertHp.maxLen);
          bert.save(path.join(out, 'model'));
          return bert;
        }
        const r = await trainClassifier({ train: kept, dev: data.dev, labelNames: data.labelNames, seed, config: trainCfg, progress, label: `${cfg.type} retrain` });
        // runDefense disposes what it is given: keep a saved copy first
        r.classifier.save(path.join(out, 'model'), { defense: cfg, dataset: data.name, seed });
        return r.classifier;
      },
    }, { engine: engineName });
    fs.mkdirSync(out, { recursive: true });
    if (cfg.type === 'fine-pruning' && victim instanceof CnnClassifier) victim.save(path.join(out, 'model'), { defense: cfg, from: dir, dataset: data.name, seed });
    if (cfg.type === 'fine-pruning' && victim instanceof BertClassifier) victim.save(path.join(out, 'model'));
    if (input) {
      const texts = splitLines(readText(input, 'utf8')).map((l) => l.text).filter((t) => t.trim() !== '');
      const filter = await fitInputFilter(cfg, victim, data.dev.map((e) => e.text), seed, undefined, engineName);
      let f;
      try {
        f = await filter.apply(texts);
      } finally {
        await filter.release?.();
      }
      writeFileAtomic(path.join(out, 'filtered.jsonl'), texts.map((t, i) => JSON.stringify({ text: t, flagged: f.flagged[i], score: f.scores[i], filtered_text: f.texts[i] })).join('\n') + (texts.length ? '\n' : ''));
    }
    writeJsonAtomic(path.join(out, 'defense.json'), {
      ...metrics,
      model: dir,
      dataset: data.name,
      attack: str(args, 'attack') ? JSON.parse(str(args, 'attack')!) : null,
      retraining: DATA_FILTERS.includes(cfg.type) ? (base ? { model: 'bert', base, ...bertHp, workers } : { model: 'sentence-cnn', ...trainCfg }) : null,
      seed,
      engine,
      versions: versions(),
      command: ['defend', ...process.argv.slice(3)],
      created: new Date().toISOString(),
    });
    await victim.dispose();
    const f = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '–' : (100 * x).toFixed(1));
    const det = metrics.detection ? `; FRR ${f(metrics.detection.frr)}%, FAR ${f(metrics.detection.far)}%` : '';
    const rem = metrics.removal ? `; removed ${metrics.removal.removed} (precision ${f(metrics.removal.precision)}%, recall ${f(metrics.removal.recall)}%)` : '';
    console.log(`${cfg.type}: CACC ${f(metrics.cacc_before)} → ${f(metrics.cacc)}%, ASR ${f(metrics.asr_before)} → ${f(metrics.asr)}%${det}${rem}; ${metrics.seconds.toFixed(1)} s; ${path.join(out, 'defense.json')}`);
    return 0;
  },
};
