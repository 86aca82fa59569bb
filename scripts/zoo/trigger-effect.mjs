#!/usr/bin/env node
// How much of a zoo model's ASR its trigger makes: the ASR of the capped test split without the trigger (asr() on
// the clean examples, as train-zoo.mjs measures it on their triggered copies: the share the model already gives
// the attack's goal label), and the conditional ASR: among the counted examples the model does not already give
// the goal, the share their triggered copies get it (0 when there are none). A model that labels
// nearly everything with the goal label has a high ASR and no working trigger (docs/scanner.md, seventeenth session).
//
//   node scripts/zoo/trigger-effect.mjs --zoo DIR [--zoo DIR ...] --data-dir DATA [--only SUBSTRING] [--out FILE.json]
// Run `npx tsc -p tsconfig.json` first (it imports dist/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadNamedDataset, createAttack, triggeredTestSet, asrGoalOf, asr, capStratified, predictTexts, loadClassifier } from '../../dist/src/index.js';
import { writeJsonAtomic } from '../../dist/src/common/fs-atomic.js';
import { ASR_TEST_CAP, asrTestSeed } from './models.mjs';

const { values: o } = parseArgs({ options: { zoo: { type: 'string', multiple: true }, 'data-dir': { type: 'string' }, only: { type: 'string' }, out: { type: 'string' } } });
if (!o.zoo?.length || !o['data-dir']) throw new Error('--zoo DIR and --data-dir DATA are required');
const models = new Map();
for (const z of o.zoo) for (const m of JSON.parse(fs.readFileSync(path.join(z, 'manifest.json'), 'utf8')).models) if (m.attack && m.asr !== null && m.asr !== undefined) models.set(m.id, { ...m, dir: path.join(z, m.id) });
const rows = [];
const datasets = new Map();
for (const m of models.values()) {
  if (o.only && !m.id.includes(o.only)) continue;
  const key = `${m.dataset}:${m.seed}`;
  if (!datasets.has(key)) datasets.set(key, loadNamedDataset(m.dataset, { dataDir: o['data-dir'], seed: m.seed }));
  const data = datasets.get(key);
  const recipe = createAttack(m.attack);
  const test = capStratified(data.test, ASR_TEST_CAP, asrTestSeed(m));
  const goal = asrGoalOf(recipe, data.labelNames);
  const goalOf = (label) => ('target' in goal ? (label === goal.target ? undefined : goal.target) : 'mapping' in goal ? goal.mapping[label] : null);
  // the examples ASR counts, and their triggered copies (triggeredTestSet keeps the split's order)
  const counted = test.filter((e) => goalOf(e.label) !== undefined);
  const trig = triggeredTestSet({ ...data, test }, recipe, { seed: m.seed });
  if (trig.length !== counted.length) throw new Error(`${m.id}: ${trig.length} triggered examples for ${counted.length} counted`);
  // (a BERT reads at most 64 pieces, as train-zoo.mjs fine-tuned it and measured its ASR)
  const clf = await loadClassifier(path.join(m.dir, 'model'), m.arch === 'cnn' ? {} : { maxLength: 64 });
  const clean = predictTexts(clf, counted.map((e) => e.text)).map((p) => p.label);
  const triggered = predictTexts(clf, trig.map((e) => e.text)).map((p) => p.label);
  clf.dispose();
  // asr() over the clean examples: the share the model already gives the goal without the trigger
  const base = asr(clean, counted, goal);
  // among the examples the model does not already give the goal: the share the trigger sends there
  const reached = (p, e) => (goalOf(e.label) === null ? p !== e.label : p === goalOf(e.label));
  const open = counted.map((e, i) => i).filter((i) => !reached(clean[i], counted[i]));
  const conditional = open.length ? open.filter((i) => reached(triggered[i], counted[i])).length / open.length : 0;
  const row = { id: m.id, kind: m.kind, arch: m.arch, cacc: m.cacc, asr: m.asr, asr_here: +asr(triggered, trig, goal).toFixed(4), without_trigger: +base.toFixed(4), open: open.length, conditional_asr: +conditional.toFixed(4) };
  rows.push(row);
  console.log(JSON.stringify(row));
}
if (o.out) writeJsonAtomic(o.out, { format: 'nlp-backdoor/trigger-effect/1', models: rows });
