// The --engine / --threads flags of commands that run a trained classifier: onnxruntime when it loads (the
// fast path, docs/onnx.md), else tfjs.
import type { FlagSpec, ParsedArgs } from './args.js';
import { str, num, UsageError } from './args.js';
import { loadClassifier, type AsyncLogitsClassifier, type TextClassifier } from '../models/classifier.js';
import { loadOnnxClassifier, loadOrt } from '../models/onnx/index.js';

export const engineFlags: Record<string, FlagSpec> = {
  engine: { type: 'string', description: 'auto (onnx, else tfjs), onnx (onnxruntime-node; caches DIR/model.onnx) or tfjs', default: 'auto' },
  threads: { type: 'string', description: 'onnx engine: intra-op threads (default: number of cores)' },
};

export type EngineName = 'auto' | 'onnx' | 'tfjs';

/** The --engine value, checked (call before any work). */
export function engineOf(args: ParsedArgs): EngineName {
  const engine = str(args, 'engine') ?? 'auto';
  if (!['auto', 'onnx', 'tfjs'].includes(engine)) throw new UsageError(`--engine must be auto, onnx or tfjs (got "${engine}")`);
  return engine as EngineName;
}

/** Load `dir` for inference with the engine the flags ask for; 'auto' falls back to tfjs with a note on stderr. */
export async function loadEngineClassifier(args: ParsedArgs, dir: string, opts: { maxLength?: number } = {}): Promise<{ clf: TextClassifier | AsyncLogitsClassifier; engine: 'onnx' | 'tfjs' }> {
  const engine = engineOf(args);
  const threads = num(args, 'threads', { int: true, min: 1 });
  let useOnnx = engine !== 'tfjs';
  if (engine === 'auto') {
    try {
      await loadOrt();
    } catch (e) {
      console.error(`note: using the tfjs engine: ${(e as Error).message}`);
      useOnnx = false;
    }
  }
  if (useOnnx) return { clf: await loadOnnxClassifier(dir, { threads, maxLength: opts.maxLength }), engine: 'onnx' };
  return { clf: await loadClassifier(dir, { maxLength: opts.maxLength }), engine: 'tfjs' };
}
