// Cost of one classifier scan (src/defenses/scan) at the scale: a SentenceCNN whose vocabulary has
// 30,000 words (the first 30,000 words of the shipped GloVe set, all with a meaning and neighbours),
// seeded random weights, 200 MR sentences, through onnxruntime. The budget is
// 5 minutes per scan on 2 cores; the cost is the number of forward passes, not what the scan finds.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../src/engine/index.js';
import { SentenceCNN, defaultCnnConfig } from '../src/models/cnn.js';
import { saveCnn } from '../src/models/cnn-checkpoint.js';
import { loadOnnxClassifier } from '../src/models/onnx/index.js';
import { Vocab } from '../src/text/vocab.js';
import { loadDefaultVectors } from '../src/text/vectors.js';
import { loadNamedDataset } from '../src/data/index.js';
import { capStratified } from '../src/train/sample.js';
import { scanClassifier, scanTargetOf } from '../src/defenses/scan/index.js';

export async function benchScan(vocabSize = 30000): Promise<Record<string, unknown>> {
  await initEngine();
  const glove = loadDefaultVectors().words;
  const words = [...new Set(glove.filter((w) => !/\s/.test(w) && w !== '<pad>' && w !== '<unk>'))];
  for (let i = 0; words.length < vocabSize - 2; i++) words.push(`zz${i}`);
  const vocab = Vocab.fromWords(['<pad>', '<unk>', ...words.slice(0, vocabSize - 2)]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scan-'));
  const model = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 2, embedding_dim: 100, id2label: { 0: 'negative', 1: 'positive' } }), { seed: 1 });
  saveCnn(dir, model, vocab, { tokenizer: 'kim-clean-str', keep_unicode: false });
  model.dispose();
  const ds = loadNamedDataset('mr', { seed: 1 });
  const samples = capStratified(ds.test, 200, 1);
  const clf = await loadOnnxClassifier(dir);
  try {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = await scanClassifier(scanTargetOf(clf, dir), samples, { seed: 0 });
    const s = (performance.now() - t0) / 1000;
    // CPU seconds too: the wall time depends on what else the machine runs
    const cpu = process.cpuUsage(c0);
    return {
      bench: 'scan-classifier',
      model: `SentenceCNN, ${vocab.size} words, random weights, onnx`,
      samples: samples.length,
      seconds: +s.toFixed(1),
      cpu_seconds: +((cpu.user + cpu.system) / 1e6).toFixed(1),
      forward_passes: r.stats.forward_passes,
      seq_per_s: Math.round(r.stats.forward_passes / s),
      sweep_s: r.stats.seconds.sweep,
      flip_rates_s: r.stats.seconds.flip_rates,
      budget_s: 300,
      within_budget: s < 300,
      cores: os.cpus().length,
    };
  } finally {
    await clf.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
