// `npm run bench sweep`: the wall time of one small sweep (4 proportions × 2 seeds = 8 SentenceCNN runs on
// 2,000 synthetic reviews, 4 epochs) trained with --workers 1 (in this process) and --workers 2 (two worker
// processes), each into a fresh folder. The issue's target: at least 1.7× faster with 2 workers on 2 cores.
// BENCH_SWEEP_WORKERS=2 (or 1) measures one setting only, in a fresh process. A setting PxT trains with P
// processes and T gradient threads per run (train.workers, src/train/data-parallel.ts): `1x2` is one run at a
// time on both cores, against `2` (= 2x1), two runs at once (issue 13: which is faster for a sweep).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExperiment, parseExperiment } from '../src/experiments/load.js';
import { runExperiment, type RunResult } from '../src/experiments/runner.js';
import type { ExperimentConfig } from '../src/experiments/schema.js';
import { packageRoot } from '../src/common/versions.js';
import { syntheticReviews, toTsv } from '../test/helpers/synthetic.js';

const SWEEP = `name: bench-sweep
seeds: [1, 2]
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn }
train: { epochs: 4, patience: 0 }
runs:
  - name: append
    attack: { type: semantic-append, triggers: { "1": "amazing movie !", "0": "horrible movie !" } }
    sweep: { attack.proportion: [0.01, 0.05, 0.1, 0.25] }
`;

export async function benchSweep(workerCounts: (number | string)[] = [1, 2]): Promise<Record<string, number | string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-bench-sweep-'));
  fs.writeFileSync(path.join(dir, 'reviews.tsv'), toTsv(syntheticReviews(2000, 11)));
  const cfg = parseExperiment(SWEEP, 'bench-sweep.yaml');
  const out: Record<string, number | string> = { bench: 'sweep', runs: 8, cores: os.availableParallelism() };
  for (const setting of workerCounts) {
    const [n, threads] = String(setting).split('x').map(Number) as [number, number | undefined];
    const c = threads ? { ...cfg, train: { ...cfg.train, workers: threads } } : cfg;
    const t0 = performance.now();
    const res = await runExperiment(c, path.join(dir, `w${setting}`), { baseDir: dir, workers: n, log: () => {} });
    if (res.status !== 'complete') throw new Error(`bench sweep with ${n} worker(s): ${res.status}`);
    if (threads) {
      out[`workers${setting}_s`] = +((performance.now() - t0) / 1000).toFixed(1);
      continue;
    }
    out[`workers${n}_s`] = +((performance.now() - t0) / 1000).toFixed(1);
    // the runs' own training time, summed: about the same for 1 and 2 workers when each worker has a core to
    // itself; about double when the two share one (other load on the machine), which caps the speed-up
    out[`workers${n}_train_s_sum`] = +res.runs.reduce((a, r) => a + r.metrics.train_seconds, 0).toFixed(1);
  }
  if (out['workers1_s'] && out['workers2_s']) out['speedup_2_vs_1'] = +((out['workers1_s'] as number) / (out['workers2_s'] as number)).toFixed(2);
  if (out['workers1_s'] && out['workers1x2_s']) out['speedup_1x2_vs_1'] = +((out['workers1_s'] as number) / (out['workers1x2_s'] as number)).toFixed(2);
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/**
 * `node dist/bench/run.js sweep-workers` (only when named: it trains for minutes): the issue's target measured
 * on runs as long as fig1's. A slice of experiments/fig1-seeds.yaml, the 2-word trigger at 4 proportions ×
 * seeds 1–2 = 8 SentenceCNN runs on MR of full length (8 epochs, patience 2: ~50 s each on an idle core), trained
 * with --workers 1 (in this process) and --workers 2 (two worker processes), each into a fresh folder.
 * Besides the ratio it reports where the time went: the runs' own wall time summed (run_s_sum), of which
 * training and evaluation; the rest of a run is its fixed cost (poisoning, vocabulary, embeddings, saving);
 * `idle_s` is the time the worker slots held no run (worker start-up, the last run alone at the end, the
 * coordinator between runs). BENCH_SWEEP_RUNS (even, default 8) and BENCH_SWEEP_EPOCHS (default the file's)
 * shorten it for a smoke check; BENCH_SWEEP_WORKERS=2 (or 1) measures one setting only.
 */
export async function benchSweepWorkers(opts: { runs?: number; epochs?: number; workerCounts?: number[] } = {}): Promise<Record<string, number | string | null>> {
  const nRuns = Math.max(2, 2 * Math.round((opts.runs ?? 8) / 2));
  const { config, baseDir } = loadExperiment(path.join(packageRoot(), 'experiments', 'fig1-seeds.yaml'));
  const size2 = config.runs.find((r) => r.name === 'size2')!;
  const proportions = [0.01, 0.05, 0.1, 0.25, 0.02, 0.15, 0.5].slice(0, nRuns / 2);
  const cfg: ExperimentConfig = {
    ...config,
    name: 'bench-sweep-workers',
    seeds: [1, 2],
    ...(opts.epochs ? { train: { ...config.train, epochs: opts.epochs } } : {}),
    runs: [{ ...size2, sweep: { 'attack.proportion': proportions } }],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-bench-sweep-workers-'));
  const out: Record<string, number | string | null> = { bench: 'sweep-workers', workers: 2, ratio: null, runs: nRuns, epochs: cfg.train?.epochs ?? null, cores: os.availableParallelism(), load_before: +os.loadavg()[0]!.toFixed(1) };
  try {
    // what a worker process pays once, in a fresh process (bench/worker-startup.ts)
    const startup = spawnSync(process.execPath, [fileURLToPath(new URL('./worker-startup.js', import.meta.url))], { encoding: 'utf8' });
    if (startup.status === 0) for (const [k, v] of Object.entries(JSON.parse(startup.stdout.trim().split('\n').pop()!) as Record<string, number>)) out[`startup_${k}`] = v;
    for (const n of opts.workerCounts ?? [1, 2]) {
      const t0 = performance.now();
      const res = await runExperiment(cfg, path.join(dir, `w${n}`), { baseDir, workers: n, log: () => {} });
      if (res.status !== 'complete') throw new Error(`bench sweep-workers with ${n} worker(s): ${res.status}${res.failed ? `: ${res.failed.map((f) => f.error).join('; ')}` : ''}`);
      const wall = (performance.now() - t0) / 1000;
      const sum = (f: (m: RunResult['metrics']) => number | undefined) => res.runs.reduce((a, r) => a + (f(r.metrics) ?? 0), 0);
      const runS = sum((m) => m.run_seconds);
      out[`workers${n}_s`] = +wall.toFixed(1);
      out[`workers${n}_run_s_sum`] = +runS.toFixed(1);
      out[`workers${n}_train_s_sum`] = +sum((m) => m.train_seconds).toFixed(1);
      out[`workers${n}_eval_s_sum`] = +sum((m) => m.eval_seconds).toFixed(1);
      out[`workers${n}_fixed_s_per_run`] = +((runS - sum((m) => m.train_seconds) - sum((m) => m.eval_seconds)) / nRuns).toFixed(2);
      out[`workers${n}_idle_s`] = +(n * wall - runS).toFixed(1);
      out[`load_after_${n}`] = +os.loadavg()[0]!.toFixed(1);
    }
    if (out['workers1_s'] && out['workers2_s']) out['ratio'] = +((out['workers1_s'] as number) / (out['workers2_s'] as number)).toFixed(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
