// `npm run bench eval-engine`: what a fig1 run's evaluation costs through tfjs and through onnxruntime (the
// runner's default, src/experiments/eval-engine.ts). The model has the shape of a fig1-seeds run (default
// SentenceCNN over MR's vocabulary with the shipped vectors), trained one epoch: evaluation time depends on the
// shape and the test sets, not on how well the model learnt. The test sets are a fig1-seeds run's: MR's clean
// test split, the triggered set of the 3-word trigger, and the split-table triggers (control and the three
// sizes' six trigger texts). Each engine is timed 3 times, the median reported, on 1 thread (a worker
// process's share with 2 workers on 2 cores) and on all cores (--workers 1).
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../src/engine/index.js';
import { loadExperiment } from '../src/experiments/load.js';
import { RunContext, evaluateRun, splitTriggers } from '../src/experiments/execute-run.js';
import { recipeOf } from '../src/experiments/validate.js';
import { trainClassifier } from '../src/train/train-classifier.js';
import { packageRoot } from '../src/common/versions.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

export async function benchEvalEngine(repeats = 3): Promise<Record<string, unknown>> {
  await initEngine();
  const { config, baseDir } = loadExperiment(path.join(packageRoot(), 'experiments', 'fig1-seeds.yaml'));
  const ds = new RunContext({ cfg: config, outDir: os.tmpdir(), baseDir }).dataset(config.dataset);
  const r = await trainClassifier({ train: ds.train, dev: [], labelNames: ds.labelNames, seed: 1, config: { epochs: 1 } });
  const recipe = recipeOf({ ...(config.runs[2]!.attack as object), proportion: 0.1 } as never).recipe;
  const triggers = splitTriggers(config);
  const time = async (engine: 'tfjs' | 'onnx', threads?: number) => {
    const secs: number[] = [];
    let m: Awaited<ReturnType<typeof evaluateRun>> | null = null;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      m = await evaluateRun(r.classifier, ds, recipe, triggers, 1, engine, { threads });
      secs.push((performance.now() - t0) / 1000);
    }
    return { s: +median(secs).toFixed(3), m: m! };
  };
  const tfjs = await time('tfjs');
  const onnx1 = await time('onnx', 1);
  const onnxAll = await time('onnx');
  r.classifier.dispose();
  // the same predictions: the metrics must agree before the times mean anything
  const same = JSON.stringify([tfjs.m.cacc, tfjs.m.asr, tfjs.m.split]) === JSON.stringify([onnx1.m.cacc, onnx1.m.asr, onnx1.m.split]);
  const inputs = ds.test.length * (1 + triggers.length) + tfjs.m.asr_n;
  return {
    bench: 'eval-engine',
    inputs,
    vocab: r.vocab.size,
    cores: os.availableParallelism(),
    tfjs_s: tfjs.s,
    onnx_1thread_s: onnx1.s,
    onnx_s: onnxAll.s,
    saved_per_run_1thread_s: +(tfjs.s - onnx1.s).toFixed(3),
    ratio_1thread: +(tfjs.s / onnx1.s).toFixed(2),
    ratio: +(tfjs.s / onnxAll.s).toFixed(2),
    same_metrics: same,
    load: os.loadavg()[0]!.toFixed(1),
  };
}
