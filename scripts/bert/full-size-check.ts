// Write a bert-base-uncased-shaped random checkpoint (12 layers, H 768, vocab 30522; HF init) in HF's exact
// layout to a temporary directory, load it back, classify, and time forward / forward+backward on wasm.
//   npx tsc -p . && node dist/scripts/bert/full-size-check.js [--keep] [--train=B,T] [--no-infer]
// Results are recorded in docs/bert.md. Needs ~3 GB of memory and a few minutes on one core.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf, initEngine } from '../../src/engine/index.js';
import { readSafetensorsHeader } from '../../src/models/safetensors.js';
import { BertForSequenceClassification, bertBaseUncasedConfig, batchTensors } from '../../src/models/bert/index.js';
import { bertBaseUncasedTokenizer } from '../../src/text/wordpiece.js';

const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);
const step = (what: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${what} (wasm/tf memory ${Math.round(tf.memory().numBytes / 2 ** 20)} MiB)`);

async function main(): Promise<void> {
  const engine = await initEngine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bert-base-shaped-'));
  const res: Record<string, unknown> = { engine };
  let t0 = performance.now();
  const model = new BertForSequenceClassification(bertBaseUncasedConfig({ num_labels: 2 }), { seed: 1 });
  res['create_s'] = secs(t0);
  res['parameters'] = model.countParameters();
  const tok = bertBaseUncasedTokenizer();
  step('created');
  t0 = performance.now();
  model.save(dir, { tokenizer: tok });
  res['save_s'] = secs(t0);
  const file = path.join(dir, 'model.safetensors');
  res['file_bytes'] = fs.statSync(file).size;
  const header = readSafetensorsHeader(file);
  res['tensors'] = header.entries.size;
  res['sample_names'] = ['bert.embeddings.word_embeddings.weight', 'bert.encoder.layer.11.attention.self.query.weight', 'bert.pooler.dense.weight', 'classifier.weight'].map(
    (n) => `${n} ${header.entries.get(n)!.dtype} [${header.entries.get(n)!.shape.join(', ')}]`,
  );
  step('saved');
  t0 = performance.now();
  const loaded = await BertForSequenceClassification.load(dir);
  res['load_s'] = secs(t0);
  res['load_report'] = { initialized: loaded.loadReport!.initialized, unexpected: loaded.loadReport!.unexpected, ignored: loaded.loadReport!.ignored };

  step('loaded');
  const texts = ['a gripping, beautifully acted film', 'the plot makes no sense and the jokes fall flat', 'an ok movie'];
  const enc = tok.encodeBatch(texts);
  const inp = batchTensors(enc);
  const a = model.forward(inp.inputIds, inp.attentionMask, inp.tokenTypeIds);
  const b = loaded.forward(inp.inputIds, inp.attentionMask, inp.tokenTypeIds);
  res['logits_max_abs_diff_after_reload'] = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
  res['probabilities'] = (await loaded.predictProba(tok, texts)).map((p) => Array.from(p, (x) => +x.toFixed(4)));
  model.dispose();
  step('compared');

  const time = async (label: string, B: number, T: number, reps: number, f: (ids: tf.Tensor2D, mask: tf.Tensor2D) => tf.Tensor | tf.Tensor[]) => {
    const ids = tf.randomUniform([B, T], 1000, 30000, 'int32') as tf.Tensor2D;
    const mask = tf.ones([B, T], 'int32') as tf.Tensor2D;
    const run = async () => {
      const o = f(ids, mask);
      const outs = Array.isArray(o) ? o : [o];
      await Promise.all(outs.map((x) => x.data()));
      tf.dispose(outs);
    };
    step(label);
    await run();
    const s = performance.now();
    for (let i = 0; i < reps; i++) await run();
    const ms = (performance.now() - s) / reps;
    res[label] = { batch: B, seq: T, ms_per_batch: Math.round(ms), seq_per_s: +((B * 1000) / ms).toFixed(1) };
    tf.dispose([ids, mask]);
  };
  if (!process.argv.includes('--no-infer')) {
    await time('inference_b32_t64', 32, 64, 2, (i, m) => loaded.forward(i, m));
    await time('inference_b8_t128', 8, 128, 2, (i, m) => loaded.forward(i, m));
  }
  const vars = Object.values(loaded.trainableVariables());
  const arg = process.argv.find((a) => a.startsWith('--train='));
  const [TB, TT] = (arg ? arg.slice(8) : '8,64').split(',').map(Number) as [number, number];
  await time(`forward_backward_b${TB}_t${TT}`, TB, TT, 2, (i, m) => {
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: TB }, (_, k) => k % 2), 'int32'), 2));
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, loaded.forward(i, m, undefined, { training: true, dropoutSeed: 1 })) as tf.Scalar, vars);
    labels.dispose();
    return [value, ...Object.values(grads)];
  });
  res['peak_rss_mib'] = Math.round(process.resourceUsage().maxRSS / 1024);
  loaded.dispose();
  if (!process.argv.includes('--keep')) fs.rmSync(dir, { recursive: true });
  else res['dir'] = dir;
  console.log(JSON.stringify(res, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
