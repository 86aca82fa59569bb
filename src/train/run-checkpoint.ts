// Resumable training runs (pretrain, inject): a directory `checkpoint-<step>` under the run's output folder holds
// the model (HF layout, F32), optimizer.safetensors (Adam moments) and trainer_state.json. It is written as
// `checkpoint-<step>.tmp` and renamed when complete, so a run killed at any moment resumes from the last complete
// one; older checkpoints beyond `keep` are removed.
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, writeSafetensors } from '../models/safetensors.js';
import type { Adam } from './adam.js';

export const OPTIMIZER_FILE = 'optimizer.safetensors';

/** Newest complete checkpoint-<step> directory under `out` (one with a trainer_state.json), or null. */
export function latestCheckpoint(out: string): string | null {
  if (!fs.existsSync(out)) return null;
  const found = fs
    .readdirSync(out)
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => !!m && fs.existsSync(path.join(out, m[0], 'trainer_state.json')))
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return found.length ? path.join(out, found[0]![0]) : null;
}

/** Write checkpoint-<step> atomically: `saveModel(dir)` writes the model, then the optimizer moments and `state`. */
export function writeRunCheckpoint(out: string, step: number, o: { saveModel: (dir: string) => void; opt: Adam; state: object; keep: number }): void {
  const name = `checkpoint-${step}`;
  const tmp = path.join(out, name + '.tmp');
  const dst = path.join(out, name);
  fs.rmSync(tmp, { recursive: true, force: true });
  o.saveModel(tmp);
  const s = o.opt.getState();
  const moments: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [k, a] of Object.entries(s.m)) moments['exp_avg.' + k] = { dtype: 'F32', shape: [a.length], data: a };
  for (const [k, a] of Object.entries(s.v)) moments['exp_avg_sq.' + k] = { dtype: 'F32', shape: [a.length], data: a };
  writeSafetensors(path.join(tmp, OPTIMIZER_FILE), moments, { format: 'nlp-backdoor-adamw' });
  fs.writeFileSync(path.join(tmp, 'trainer_state.json'), JSON.stringify({ ...o.state, optimizer: { file: OPTIMIZER_FILE, step: s.step } }, null, 1) + '\n');
  fs.rmSync(dst, { recursive: true, force: true });
  fs.renameSync(tmp, dst); // the directory appears complete or not at all
  const old = fs
    .readdirSync(out)
    .map((n) => /^checkpoint-(\d+)(\.tmp)?$/.exec(n))
    .filter((m): m is RegExpExecArray => !!m && Number(m[1]) !== step)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  old.filter((m) => m[2]).forEach((m) => fs.rmSync(path.join(out, m[0]), { recursive: true, force: true }));
  old.filter((m) => !m[2]).slice(Math.max(0, o.keep - 1)).forEach((m) => fs.rmSync(path.join(out, m[0]), { recursive: true, force: true }));
}

/** Read a checkpoint's trainer_state.json (checked against `format`) and load its Adam moments into `opt`. */
export function readRunCheckpoint<S extends { format: string }>(dir: string, format: string, opt: Adam): S & { optimizer: { file: string; step: number } } {
  const st = JSON.parse(fs.readFileSync(path.join(dir, 'trainer_state.json'), 'utf8')) as S & { optimizer: { file: string; step: number } };
  if (st.format !== format) throw new Error(`${dir}/trainer_state.json: unknown format ${st.format} (expected ${format})`);
  const mom = readSafetensors(path.join(dir, st.optimizer.file)).tensors;
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  for (const [name, t] of mom) {
    const target = name.startsWith('exp_avg.') ? m : name.startsWith('exp_avg_sq.') ? v : null;
    if (!target) throw new Error(`${dir}/${st.optimizer.file}: unexpected tensor ${name}`);
    target[name.slice(name.indexOf('.') + 1)] = t.data as Float32Array;
  }
  opt.setState({ step: st.optimizer.step, m, v });
  return st;
}
