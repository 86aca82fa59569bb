// Cost of the trigger metrics (src/eval/trigger-metrics.ts) for one trigger on 1,000 inputs of a small BERT:
// the shipped assets/bert-small encoder (hidden 128, 4 layers) with a seeded random classifier head whose bias
// is centred on the data (so about half of MR's sentences are "correctly classified" and the trigger flips
// some inputs early and others never: the cost is the number of forward passes, not the accuracy). Timed
// through onnxruntime (the default path) and through tfjs on the same classifier, inputs and seed.
import * as os from 'node:os';
import * as path from 'node:path';
import { tf, initEngine } from '../src/engine/index.js';
import { BertForSequenceClassification } from '../src/models/bert/index.js';
import { BertClassifier } from '../src/models/classifier.js';
import { toOnnx } from '../src/models/onnx/index.js';
import { WordPieceTokenizer } from '../src/text/wordpiece.js';
import { loadNamedDataset } from '../src/data/index.js';
import { packageRoot } from '../src/common/versions.js';
import { triggerMetrics, type TriggerMetricsOptions } from '../src/eval/trigger-metrics.js';

export async function benchTriggerMetrics(inputs = 1000, trigger = 'cf'): Promise<Record<string, unknown>> {
  const info = await initEngine();
  const dir = path.join(packageRoot(), 'assets', 'bert-small');
  const model = await BertForSequenceClassification.load(dir, { seed: 1 });
  const clf = new BertClassifier(model, WordPieceTokenizer.fromDirectory(dir), 128);
  const ds = loadNamedDataset('mr', { seed: 1 });
  const data = [...ds.train, ...ds.dev, ...ds.test].map((e) => ({ text: e.text, label: e.label }));

  // centre the head: shift logit 1 − logit 0 by its median over 2,000 sentences
  const probe = await toOnnx(clf);
  const lg = await probe.logitsOf(data.slice(0, 2000).map((d) => clf.encode(d.text)));
  await probe.dispose();
  const diffs = Array.from({ length: lg.length / 2 }, (_, i) => lg[2 * i + 1]! - lg[2 * i]!).sort((a, b) => a - b);
  const median = diffs[diffs.length >> 1]!;
  const bias = model.params.get('classifier.bias');
  const b = bias.dataSync() as Float32Array;
  bias.assign(tf.tensor1d([b[0]!, b[1]! - median]));

  const run = async (engine: 'onnx' | 'tfjs') => {
    let forwards = 0;
    const opts: TriggerMetricsOptions = { maxInputs: inputs, seed: 1, engine, onRound: (r) => void (forwards += r.active) };
    const t0 = performance.now();
    const [m] = await triggerMetrics(clf, clf.labelNames, [trigger], data, opts);
    return { s: (performance.now() - t0) / 1000, m: m!, forwards };
  };
  const onnx = await run('onnx');
  const tfjs = await run('tfjs');
  clf.dispose();
  return {
    bench: 'trigger-metrics',
    model: 'assets/bert-small (hidden 128, 4 layers), random centred head',
    data: 'mr',
    trigger,
    inputs: onnx.m.n,
    max_insertions: onnx.m.max_insertions,
    seconds: +onnx.s.toFixed(2),
    triggered_forwards: onnx.forwards,
    E: +onnx.m.E.toFixed(3),
    flip_rate: +onnx.m.flip_rate.toFixed(3),
    ref_tfjs_seconds: +tfjs.s.toFixed(2),
    ratio_vs_tfjs: +(tfjs.s / onnx.s).toFixed(3),
    same_metrics: JSON.stringify(onnx.m) === JSON.stringify(tfjs.m),
    threads: os.availableParallelism(),
    tfjs_backend: info.backend,
    tfjs_threads: info.threads,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // run alone: node dist/bench/trigger-metrics.js [inputs]
  console.log(JSON.stringify(await benchTriggerMetrics(+(process.argv[2] ?? 1000))));
}
