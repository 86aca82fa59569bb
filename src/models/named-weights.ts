// Named float32 weights (the trainer's snapshot format) to and from safetensors files.
import type { NamedWeights } from './cnn.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { sha256Of } from '../common/content-hash.js';

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

/** SHA-256 over the tensors' names, shapes and float32 bytes (name order), e.g. to identify a transfer source. */
export function namedWeightsDigest(w: NamedWeights): string {
  return sha256Of(
    (function* () {
      for (const k of Object.keys(w).sort()) {
        const t = w[k]!;
        yield `${k}[${t.shape.join(',')}]`;
        yield new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      }
    })(),
  );
}
