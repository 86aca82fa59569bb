// Named float32 weights (the trainer's snapshot format) to and from safetensors files.
import type { NamedWeights } from './cnn.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

export function writeNamedWeights(file: string, w: NamedWeights, metadata?: Record<string, string>): void {
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [k, v] of Object.entries(w)) tensors[k] = { dtype: 'F32', shape: v.shape, data: v.data };
  writeSafetensors(file, tensors, metadata);
}

export function readNamedWeights(file: string): NamedWeights {
  const f = readSafetensors(file);
  const out: NamedWeights = {};
  for (const [k, t] of f.tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${file}: tensor "${k}" has dtype ${t.dtype}, expected a float type`);
    out[k] = { shape: t.shape, data: t.data };
  }
  return out;
}

