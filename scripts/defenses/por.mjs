#!/usr/bin/env node
// The POR row of the defense table (docs/defenses.md): a small-BERT SST-2 classifier fine-tuned from a
// POR-injected encoder (`nlp-backdoor inject --attack por`), attacked with the encoder's own triggers, then
// the input filters and fine-pruning measured through the library (--defenses, default onion,strip; rap and
// fine-pruning work on the tfjs model, fine-pruning last as it changes it). The experiment runner trains
// SentenceCNNs only, hence this script. A run adds its rows to --out, replacing rows of the same defense.
//   npx tsc -p . && node scripts/defenses/por.mjs --encoder DIR [--seed 1] [--out docs/results/defenses/por.json]
// Fine-tuning follows experiments/por.yaml (2,000 training sentences, 5 epochs, lr 5e-4, 64 word-pieces).
// Each of the encoder's triggers (DIR/backdoor.json) is inserted once at a random word gap of every dev input;
// its landing label is the label most triggered dev inputs get, its dev ASR the share of inputs of the other
// label that land there. The trigger with the highest dev ASR is the attack measured on the test split.
import fs from 'node:fs';
import path from 'node:path';
import { fineTuneBert } from '../../dist/src/train/finetune.js';
import { BertClassifier, predictTextsAsync } from '../../dist/src/models/classifier.js';
import { toOnnx } from '../../dist/src/models/onnx/index.js';
import { loadNamedDataset, shippedDataDir } from '../../dist/src/data/index.js';
import { capStratified } from '../../dist/src/train/sample.js';
import { insertAtRandom } from '../../dist/src/triggers/insert.js';
import { Rng } from '../../dist/src/common/random.js';
import { runDefense } from '../../dist/src/defenses/index.js';
import { initEngine } from '../../dist/src/engine/index.js';
import { writeJsonAtomic } from '../../dist/src/common/fs-atomic.js';
import { versions } from '../../dist/src/common/versions.js';

const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : d;
};
const encoder = flag('encoder');
if (!encoder || !fs.existsSync(path.join(encoder, 'backdoor.json'))) {
  console.error('usage: node scripts/defenses/por.mjs --encoder DIR (an `inject --attack por` output, with backdoor.json) [--seed 1] [--out FILE]');
  process.exit(2);
}
const seed = Number(flag('seed', '1'));
const out = flag('out', 'docs/results/defenses/por.json');
const defenses = flag('defenses', 'onion,strip').split(',');
const hp = { epochs: 5, lr: 5e-4, batchSize: 32, maxLen: 64, maxTrain: 2000 };

const engine = await initEngine();
const ds = loadNamedDataset('sst2', { dataDir: shippedDataDir(), seed });
const triggers = JSON.parse(fs.readFileSync(path.join(encoder, 'backdoor.json'), 'utf8')).triggers.map((t) => t.trigger);
const t0 = performance.now();
const ft = await fineTuneBert({ modelDir: encoder, init: 'pretrained', mode: 'full', train: capStratified(ds.train, hp.maxTrain, seed), dev: ds.dev, numLabels: 2, labelNames: ds.labelNames, seed, epochs: hp.epochs, lr: hp.lr, batchSize: hp.batchSize, maxLen: hp.maxLen, progress: true });
const trainSeconds = (performance.now() - t0) / 1000;
const bert = new BertClassifier(ft.model, ft.tokenizer, hp.maxLen);
let victim = bert;
let inference = 'tfjs';
try {
  victim = await toOnnx(bert); // batched inference for STRIP's perturbed copies (docs/onnx.md)
  inference = 'onnx';
} catch (e) {
  console.error(`note: tfjs inference (${e.message})`);
}
const labels = async (texts) => (await predictTextsAsync(victim, texts, 64)).map((p) => p.label);
const triggered = (xs, trig, s) => {
  const rng = new Rng(s).fork(trig);
  return xs.map((e) => ({ ...e, text: insertAtRandom(e.text, trig, 1, rng).text }));
};
const perTrigger = [];
for (const trig of triggers) {
  const pred = await labels(triggered(ds.dev, trig, seed).map((e) => e.text));
  const landing = pred.filter((p) => p === 1).length >= pred.length / 2 ? 1 : 0;
  const other = ds.dev.flatMap((e, i) => (e.label !== landing ? [pred[i]] : []));
  perTrigger.push({ trigger: trig, landing: ds.labelNames[landing], landing_id: landing, dev_asr: other.filter((p) => p === landing).length / other.length });
}
perTrigger.sort((a, b) => b.dev_asr - a.dev_asr);
const best = perTrigger[0];
console.error(`triggers by dev ASR (1 insertion): ${perTrigger.map((t) => `${t.trigger} → ${t.landing} ${t.dev_asr.toFixed(3)}`).join('; ')}`);
const attackable = ds.test.filter((e) => e.label !== best.landing_id);
const trig = triggered(attackable, best.trigger, seed + 1).map((e) => ({ ...e, originalLabel: e.label, poisoned: true }));
const rows = [];
// fine-pruning changes the model: after every other defense
for (const type of [...defenses.filter((d) => d !== 'fine-pruning'), ...defenses.filter((d) => d === 'fine-pruning')]) {
  // RAP trains a word vector and fine-pruning the weights through tfjs; ONION and STRIP only need probabilities
  const v = type === 'rap' || type === 'fine-pruning' ? bert : victim;
  const m = await runDefense({ type }, { victim: v, train: [], dev: ds.dev, test: ds.test, triggered: trig, goal: { target: best.landing_id }, seed });
  const det = m.detection ? `, FRR ${m.detection.frr.toFixed(4)}, FAR ${m.detection.far.toFixed(4)}` : '';
  console.error(`${type}: CACC ${m.cacc_before.toFixed(4)} → ${m.cacc.toFixed(4)}, ASR ${m.asr_before.toFixed(4)} → ${m.asr.toFixed(4)}${det}, ${m.seconds.toFixed(1)} s`);
  rows.push({ ...m, inference: v === victim ? inference : (m.info?.inference ?? 'tfjs') });
}
const previous = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')).defenses ?? [] : [];
const merged = [...previous.filter((r) => !rows.some((x) => x.defense === r.defense)), ...rows];
fs.mkdirSync(path.dirname(out), { recursive: true });
writeJsonAtomic(out, {
  victim: { encoder: path.basename(encoder), fine_tuning: hp, train_seconds: trainSeconds, best_dev_accuracy: ft.bestDevAccuracy, inference },
  triggers: perTrigger,
  attack: { trigger: best.trigger, landing: best.landing, insertions: 1, triggered_n: trig.length },
  defenses: merged,
  seed,
  engine,
  versions: versions(),
  command: ['node', 'scripts/defenses/por.mjs', '--encoder', '<POR encoder>', ...args.filter((a, i) => a !== '--encoder' && args[i - 1] !== '--encoder')],
  created: new Date().toISOString(),
});
console.log(`written ${out}`);
await victim.dispose();
if (victim !== bert) bert.dispose();
