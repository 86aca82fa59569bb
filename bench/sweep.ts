// `npm run bench sweep`: the wall time of one small sweep (4 proportions × 2 seeds = 8 SentenceCNN runs on
// 2,000 synthetic reviews, 4 epochs) trained with --workers 1 (in this process) and --workers 2 (two worker
// processes), each into a fresh folder. The target: at least 1.7× faster with 2 workers on 2 cores.
// BENCH_SWEEP_WORKERS=2 (or 1) measures one setting only, in a fresh process. A setting PxT trains with P
// processes and T gradient threads per run (train.workers, src/train/data-parallel.ts): `1x2` is one run at a
// time on both cores, against `2` (= 2x1), two runs at once (issue 13: which is faster for a sweep).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseExperiment } from '../src/experiments/load.js';
import { runExperiment } from '../src/experiments/runner.js';
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
