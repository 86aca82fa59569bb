// `npm run bench`: one JSON line per benchmark. Each line carries a ratio against a reference measured in
// the same run: plain tfjs ops on the same backend always, and PyTorch when python3 can import torch.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { benchCnn, benchCnnDp, benchCnnInferOnnx } from './cnn.js';
import { benchCnnTfjsOps } from './cnn-reference.js';
import { benchCsvParse } from './data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.some((o) => name.startsWith(o));

/**
 * OPENBLAS_CORETYPE (e.g. Haswell) and OPENBLAS_L2_SIZE, set on these machines as a workaround for old
 * OpenBLAS builds, pin OpenBLAS to slower kernels than it picks itself (BERT training 64 → 98 seq/s, inference
 * 314 → 467 when both are unset; issue 13). The reference runs without them, in its own process only, so every
 * ratio is against the faster PyTorch; the line records what was removed and the kernel OpenBLAS used.
 */
const UNFAIR_BLAS_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

function torchReference(what: string[]): Record<string, number | string> | null {
  const script = path.resolve(here, '../../bench/torch_ref.py');
  if (!fs.existsSync(script) || process.env['BENCH_NO_TORCH']) return null;
  // BENCH_PYTHON first, then the PATH's python3, then Debian's (where python3-torch installs when pyenv shadows it)
  const pythons = [process.env['BENCH_PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const py of pythons) {
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', NT: '2' };
    const unset = UNFAIR_BLAS_ENV.filter((k) => env[k] !== undefined).map((k) => `${k}=${env[k]}`);
    for (const k of UNFAIR_BLAS_ENV) delete env[k];
    const r = spawnSync(py, [script, ...what], { encoding: 'utf8', env, timeout: 600_000 });
    if (r.status !== 0) continue;
    try {
      return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string>), unset_env: unset.join(' ') || 'none set' };
    } catch {
      continue;
    }
  }
  return null;
}

const ratio = (a: number, b: number | string | undefined) => (typeof b === 'number' && b ? +(a / b).toFixed(3) : null);
const num = (x: number | string | undefined) => (typeof x === 'number' ? x : undefined);
/** What the PyTorch reference was: version, threads, the BLAS kernel it ran, the environment removed for it. */
const torchLabel = (t: Record<string, number | string> | null) =>
  t ? `torch ${String(t['torch'])}, ${String(t['threads'])} threads, BLAS ${String(t['blas'])}, unset for it: ${String(t['unset_env'])}` : 'not installed (python3 -c "import torch" failed): no PyTorch ratio';

if (want('csv')) console.log(JSON.stringify(benchCsvParse()));

if (want('cnn')) {
  const ours = await benchCnn(40);
  const ops = await benchCnnTfjsOps(5);
  const torch = torchReference(['cnn']);
  const torchTrain = num(torch?.['cnn_train_samples_per_s']);
  const torchInfer = num(torch?.['cnn_infer_samples_per_s']);
  console.log(
    JSON.stringify({
      ...ours,
      ref_tfjs_ops_samples_per_s: ops.samples_per_s,
      ratio_vs_tfjs_ops: ratio(ours['samples_per_s'] as number, ops.samples_per_s),
      ref_pytorch_samples_per_s: torchTrain !== undefined ? +torchTrain.toFixed(1) : null,
      ratio_vs_pytorch: ratio(ours['samples_per_s'] as number, torchTrain),
      infer_ratio_vs_pytorch: ratio(ours['infer_samples_per_s'] as number, torchInfer),
      pytorch: torchLabel(torch),
    }),
  );
  // the same step data-parallel over 2 worker threads (train --workers 2), against the same PyTorch run
  const dp = await benchCnnDp(2, 40);
  console.log(
    JSON.stringify({
      ...dp,
      ratio_vs_single: ratio(dp['samples_per_s'] as number, ours['samples_per_s'] as number),
      ref_pytorch_samples_per_s: torchTrain !== undefined ? +torchTrain.toFixed(1) : null,
      ratio_vs_pytorch: ratio(dp['samples_per_s'] as number, torchTrain),
      pytorch: torchLabel(torch),
    }),
  );
  const onnx = await benchCnnInferOnnx();
  console.log(JSON.stringify({ ...onnx, ref_pytorch_samples_per_s: torchInfer !== undefined ? +torchInfer.toFixed(1) : null, ratio_vs_pytorch: ratio(onnx['samples_per_s'] as number, torchInfer), pytorch: torchLabel(torch) }));
}

if (want('bert')) {
  const mod = path.join(here, 'bert.js');
  if (fs.existsSync(mod)) {
    const { benchBertTrainStep, benchBertTrainStepDp, benchBertInfer, benchBertInferOnnx } = (await import(mod)) as {
      benchBertTrainStep: () => Promise<Record<string, number | string>>;
      benchBertTrainStepDp: (workers: number) => Promise<Record<string, number | string>>;
      benchBertInfer: () => Promise<Record<string, number | string>>;
      benchBertInferOnnx: () => Promise<Record<string, number | string>>;
    };
    const torch = torchReference(['bert']);
    const tr = await benchBertTrainStep();
    console.log(JSON.stringify({ ...tr, ref_pytorch_seq_per_s: torch?.['bert_train_seq_per_s'] ?? null, ratio_vs_pytorch: torch ? ratio(tr['seq_per_s'] as number, torch['bert_train_seq_per_s']) : null, pytorch: torchLabel(torch) }));
    // the same step data-parallel over 2 worker threads (src/train/data-parallel.ts)
    const dp = await benchBertTrainStepDp(2);
    console.log(
      JSON.stringify({
        ...dp,
        ratio_vs_single: ratio(dp['seq_per_s'] as number, tr['seq_per_s'] as number),
        ref_pytorch_seq_per_s: torch?.['bert_train_seq_per_s'] ?? null,
        ratio_vs_pytorch: torch ? ratio(dp['seq_per_s'] as number, torch['bert_train_seq_per_s']) : null,
        pytorch: torchLabel(torch),
      }),
    );
    const inf = await benchBertInfer();
    console.log(JSON.stringify({ ...inf, ref_pytorch_seq_per_s: torch?.['bert_infer_seq_per_s'] ?? null, ratio_vs_pytorch: torch ? ratio(inf['seq_per_s'] as number, torch['bert_infer_seq_per_s']) : null, pytorch: torchLabel(torch) }));
    // onnxruntime-node on the same weights and batch; its tfjs reference is re-timed in the same call
    const onnx = await benchBertInferOnnx().catch((e: Error) => ({ bench: 'bert-infer-onnx', error: e.message }) as Record<string, number | string>);
    console.log(JSON.stringify({ ...onnx, ref_pytorch_seq_per_s: torch?.['bert_infer_seq_per_s'] ?? null, ratio_vs_pytorch: torch && onnx['seq_per_s'] ? ratio(onnx['seq_per_s'] as number, torch['bert_infer_seq_per_s']) : null, pytorch: torchLabel(torch) }));
  }
}

if (want('bert-int8')) {
  // the int8 export against the float32 one, same weights and batch (bench/bert.ts benchBertInferOnnxInt8)
  const { benchBertInferOnnxInt8 } = await import('./bert.js');
  console.log(JSON.stringify(await benchBertInferOnnxInt8().catch((e: Error) => ({ bench: 'bert-infer-onnx-int8', error: e.message }))));
}

if (want('trigger-metrics')) {
  // E/S/C of one trigger on 1,000 inputs of the small BERT, onnxruntime vs tfjs (bench/trigger-metrics.ts)
  const { benchTriggerMetrics } = await import('./trigger-metrics.js');
  console.log(JSON.stringify(await benchTriggerMetrics(1000)));
}

if (want('eval-engine')) {
  // a fig1 run's evaluation through tfjs and through onnxruntime (bench/eval-engine.ts)
  const { benchEvalEngine } = await import('./eval-engine.js');
  console.log(JSON.stringify(await benchEvalEngine()));
}

if (only.includes('sweep-workers')) {
  // fig1-length runs with 1 and 2 workers (bench/sweep.ts benchSweepWorkers): minutes of training, so only
  // when named; prints {"bench":"sweep-workers","workers":2,"ratio":…}
  const { benchSweepWorkers } = await import('./sweep.js');
  const env = process.env;
  console.log(
    JSON.stringify(
      await benchSweepWorkers({
        runs: env['BENCH_SWEEP_RUNS'] ? Number(env['BENCH_SWEEP_RUNS']) : undefined,
        epochs: env['BENCH_SWEEP_EPOCHS'] ? Number(env['BENCH_SWEEP_EPOCHS']) : undefined,
        workerCounts: env['BENCH_SWEEP_WORKERS'] ? env['BENCH_SWEEP_WORKERS'].split(',').map(Number) : undefined,
      }),
    ),
  );
}

if (want('sweep')) {
  // one small sweep with 1 and 2 workers (bench/sweep.ts): the speed-up of worker processes
  const { benchSweep } = await import('./sweep.js');
  const only = process.env['BENCH_SWEEP_WORKERS'];
  console.log(JSON.stringify(await benchSweep(only ? only.split(',') : undefined)));
}

if (want('scan')) {
  // one classifier scan with a 30,000-word vocabulary and 200 samples (bench/scan.ts): the 5-minute budget
  const { benchScan } = await import('./scan.js');
  console.log(JSON.stringify(await benchScan()));
}

if (want('scan-gains')) {
  // the scan's slot gradients with the gains worker (a second thread) against all in this thread (bench/scan-gains.ts)
  const { benchScanGains } = await import('./scan-gains.js');
  console.log(JSON.stringify(await benchScanGains()));
}

if (want('encoder-scan')) {
  // one encoder scan of the shipped bert-small with the default contexts and word list (bench/encoder-scan.ts):
  // CPU seconds against the 5 minutes on 2 cores, and onnx vs tfjs sequences per CPU second
  const { benchScanEncoder } = await import('./encoder-scan.js');
  console.log(JSON.stringify(await benchScanEncoder()));
}

if (want('encoder-scan-large')) {
  // the large encoder profile's screen against the full scan on bert-small, CPU seconds and sequences in one run
  const { benchScanEncoderLarge } = await import('./encoder-scan.js');
  console.log(JSON.stringify(await benchScanEncoderLarge()));
}
