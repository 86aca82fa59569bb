// What an experiment produces: one RunResult per finished run, and the ExperimentResults that results.json
// holds, and the per-group summary over seeds. Below both the runner (which writes them) and the report (which reads them).
import type { Dataset } from '../data/types.js';
import type { ExperimentConfig } from './schema.js';
import type { ResolvedRunConfig } from './expand.js';
import { summarize, type SplitTable, type Summary } from '../eval/index.js';
import type { CnnTrainConfig } from '../train/train-classifier.js';
import type { EngineInfo } from '../engine/index.js';
import type { DefenseMetrics } from '../defenses/evaluate.js';

export interface RunMetrics {
  cacc: number;
  /** attack success rate on the triggered test set; null for clean runs */
  asr: number | null;
  asr_n: number;
  split: SplitTable;
  dev_accuracy: number | null;
  best_epoch: number;
  epochs_run: number;
  train_seconds: number;
  train_size: number;
  poisoned: number;
  /** the engine the test sets were evaluated through (eval-engine.ts); absent in stores from before it */
  eval_engine?: 'onnx' | 'tfjs';
  /** wall seconds of the evaluation (clean, triggered and split-table test sets) */
  eval_seconds?: number;
  /**
   * wall seconds of the whole run where it executed (data preparation, vocabulary and embeddings, training,
   * evaluation, saving the model): what is not training or evaluation is the run's fixed cost (bench/sweep.ts)
   */
  run_seconds?: number;
  /** the run's defense, measured against its (backdoored) model */
  defense?: DefenseMetrics;
}

export interface RunResult {
  id: string;
  /** hash of the resolved configuration: the run's identity in the result store (expand.ts) */
  key: string;
  name: string;
  point: Record<string, unknown>;
  dataset: string;
  model: string;
  attack: ({ type: string } & Record<string, unknown>) | null;
  transfer: { from: string; mode: 'head' | 'full' } | null;
  seed: number;
  metrics: RunMetrics;
  paper?: Record<string, number | string>;
  config: CnnTrainConfig;
  /** the run's configuration with the experiment's merged in and the sweep point applied (what `key` hashes) */
  resolved: ResolvedRunConfig;
  vocab: { size: number; vectorHits: number; oov: number; newWords?: number };
  split_info: Dataset['split'];
  fingerprint: string;
}

export interface RunSummary {
  name: string;
  point: Record<string, unknown>;
  seeds: number[];
  cacc: Summary;
  asr: Summary | null;
}

export interface ExperimentResults {
  experiment: { name: string; description?: string; file?: string; config: ExperimentConfig; reference?: string; overrides?: string[] };
  /** the triggers of the split table: name, text, where it is inserted */
  split_triggers: { name: string; text: string; position: string }[];
  runs: RunResult[];
  /** runs whose latest attempt failed (a rerun retries them): id, key and the error */
  failed?: { id: string; key: string; error: string }[];
  summary: RunSummary[];
  status: 'complete' | 'partial';
  engine: EngineInfo;
  versions: Record<string, string | null>;
  started: string;
  updated: string;
}

/** Runs grouped by name and sweep point (their seeds): mean and 95% interval of CACC and ASR. */
export function summarizeRuns(runs: RunResult[]): RunSummary[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.name, r.point]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const asrs = g.map((r) => r.metrics.asr).filter((x): x is number => x !== null);
    return {
      name: g[0]!.name,
      point: g[0]!.point,
      seeds: g.map((r) => r.seed),
      cacc: summarize(g.map((r) => r.metrics.cacc)),
      asr: asrs.length === g.length && asrs.length > 0 ? summarize(asrs) : null,
    };
  });
}
