// Training checkpoints: the model directory (config.json, model.safetensors, vocab) plus the trainer's state
// (trainer_state.json, optimizer moments and the best weights so far in safetensors). Written after each
// completed epoch, state last, each file atomically: a kill or Ctrl-C at any moment leaves the previous
// checkpoint loadable, and `resume` continues with exactly the batches and dropout masks it would have seen.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainerState } from './trainer.js';
import { readNamedWeights, writeNamedWeights } from '../models/named-weights.js';
import { readSafetensors, writeSafetensors } from '../models/safetensors.js';
import { writeJsonAtomic, readJson } from '../common/fs-atomic.js';
import type { NamedWeights } from '../models/cnn.js';

interface StateFile {
  format: 'nlp-backdoor-trainer-state/1';
  /** identifies the run (data, config, seed): a checkpoint from a different run is never resumed */
  fingerprint: string;
  epoch: number;
  history: TrainerState['history'];
  bestDevAccuracy: number;
  bestEpoch: number;
  optimizerStep: number;
}

export function saveTrainerState(dir: string, state: TrainerState, fingerprint: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const opt: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [k, v] of Object.entries(state.optimizer.m)) opt[`m.${k}`] = { dtype: 'F32', shape: [v.length], data: v };
  for (const [k, v] of Object.entries(state.optimizer.v)) opt[`v.${k}`] = { dtype: 'F32', shape: [v.length], data: v };
  writeSafetensors(path.join(dir, 'optimizer.safetensors'), opt);
  if (state.best) writeNamedWeights(path.join(dir, 'best.safetensors'), state.best);
  const s: StateFile = {
    format: 'nlp-backdoor-trainer-state/1',
    fingerprint,
    epoch: state.epoch,
    history: state.history,
    bestDevAccuracy: state.bestDevAccuracy,
    bestEpoch: state.bestEpoch,
    optimizerStep: state.optimizer.step,
  };
  writeJsonAtomic(path.join(dir, 'trainer_state.json'), s);
}

/** The saved state, or null when there is none; an error when it belongs to a different run. */
export function loadTrainerState(dir: string, fingerprint: string): TrainerState | null {
  const f = path.join(dir, 'trainer_state.json');
  if (!fs.existsSync(f)) return null;
  const s = readJson<StateFile>(f);
  if (s.format !== 'nlp-backdoor-trainer-state/1') throw new Error(`${f}: unknown format "${String(s.format)}"`);
  if (s.fingerprint !== fingerprint) {
    throw new Error(`${f}: this checkpoint belongs to a different run (data, config or seed changed); remove ${dir} or use another --out`);
  }
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const [k, t] of readSafetensors(path.join(dir, 'optimizer.safetensors')).tensors) {
    const name = k.slice(2);
    if (k.startsWith('m.')) m[name] = t.data as Float32Array;
    else if (k.startsWith('v.')) v[name] = t.data as Float32Array;
  }
  let best: NamedWeights | null = null;
  const bf = path.join(dir, 'best.safetensors');
  if (fs.existsSync(bf)) best = readNamedWeights(bf);
  return {
    epoch: s.epoch,
    history: s.history,
    bestDevAccuracy: s.bestDevAccuracy,
    bestEpoch: s.bestEpoch,
    optimizer: { step: s.optimizerStep, m, v },
    best,
  };
}

/** Stable short hash of a JSON-able value (FNV-1a over the canonical JSON). */
export function fingerprintOf(value: unknown): string {
  const canon = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(canon) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])])) : x;
  const s = JSON.stringify(canon(value));
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
