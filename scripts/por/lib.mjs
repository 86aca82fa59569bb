// Shared by the POR diagnostics (por-margins.mjs, finetune-erasure.mjs): the built library (dist/), and the
// probe set: 48 shipped SST-2 dev sentences with a trigger inserted once at a seeded random word gap, run
// through a BertModel. Build first (npx tsc -p tsconfig.json).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lib = (p) => import(path.join(root, 'dist/src', p));
export const { initEngine, tf } = await lib('engine/index.js');
export const { BertModel } = await lib('models/bert/index.js');
export const { WordPieceTokenizer } = await lib('text/wordpiece.js');
export const { signAgreement } = await lib('analysis/analyze.js');
const { insertAtRandom } = await lib('triggers/insert.js');
const { Rng } = await lib('common/random.js');

export const sentences = fs.readFileSync(path.join(root, 'assets/data/sst2_sentence/dev.tsv'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t')[0]).slice(0, 48);

/** The probe sentences with `trigger` inserted once each (seed 1; null = the sentences as they are), encoded. */
export function probeBatch(tok, trigger) {
  const rng = new Rng(1);
  const texts = trigger ? sentences.map((s) => insertAtRandom(s, trigger, 1, rng).text) : sentences;
  return tok.encodeBatch(texts, { truncation: true, maxLength: 128 });
}

/** The model's forward pass on an encoded batch, as nested arrays of `field` (e.g. 'pooledOutput'). */
export function forwardArray(model, enc, field, opts = {}) {
  return tf.tidy(() => model.forward(tf.tensor2d(enc.inputIds, [enc.batchSize, enc.seqLen], 'int32'), tf.tensor2d(enc.attentionMask, [enc.batchSize, enc.seqLen], 'int32'), undefined, opts)[field].arraySync());
}
