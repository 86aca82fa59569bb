// The --engine / --threads flags of commands that run a trained classifier: onnxruntime when it loads (the
// fast path, docs/onnx.md), else tfjs.
import type { FlagSpec, ParsedArgs } from './args.js';
import { str, num, UsageError } from './args.js';
import { classifierKindOf, loadClassifier, type AsyncLogitsClassifier, type TextClassifier } from '../models/classifier.js';
import { loadOnnxClassifier, loadOrt } from '../models/onnx/index.js';

export const engineFlags: Record<string, FlagSpec> = {
  engine: {
    type: 'string',
    description: 'auto (onnx, else tfjs), onnx (onnxruntime-node; caches DIR/model.onnx), onnx-int8 (BERT: dense layers in int8, about 2x faster on bert-base, logits within ~2% of their range; caches DIR/model.int8.onnx) or tfjs',
    default: 'auto',
  },
  threads: { type: 'string', description: 'onnx engine: intra-op threads (default: number of cores)' },
};

export type EngineName = 'auto' | 'onnx' | 'onnx-int8' | 'tfjs';

/** The --engine value, checked (call before any work). */
export function engineOf(args: ParsedArgs): EngineName {
  const engine = str(args, 'engine') ?? 'auto';
  if (!['auto', 'onnx', 'onnx-int8', 'tfjs'].includes(engine)) throw new UsageError(`--engine must be auto, onnx, onnx-int8 or tfjs (got "${engine}")`);
  return engine as EngineName;
}

/**
 * Load `dir` for inference with the engine the flags ask for; 'auto' falls back to tfjs with a note on stderr.
 * `int8WhenAuto`: under 'auto', a BERT runs on onnx-int8 rather than onnx (the scan's choice for models as costly
 * as bert-base: docs/scanner.md, "int8 for large models").
 */
export async function loadEngineClassifier(args: ParsedArgs, dir: string, opts: { maxLength?: number; int8WhenAuto?: boolean } = {}): Promise<{ clf: TextClassifier | AsyncLogitsClassifier; engine: 'onnx' | 'onnx-int8' | 'tfjs' }> {
  const asked = engineOf(args);
  const bert = asked === 'onnx-int8' || opts.int8WhenAuto ? classifierKindOf(dir) === 'bert' : false;
  if (asked === 'onnx-int8' && !bert) throw new UsageError(`--engine onnx-int8 applies to BERT classifiers; ${dir} holds a SentenceCNN (use --engine onnx)`);
  const threads = num(args, 'threads', { int: true, min: 1 });
  let useOnnx = asked !== 'tfjs';
  if (asked === 'auto') {
    try {
      await loadOrt();
    } catch (e) {
      console.error(`note: using the tfjs engine: ${(e as Error).message}`);
      useOnnx = false;
    }
  }
  const engine = asked === 'auto' && useOnnx && opts.int8WhenAuto && bert ? 'onnx-int8' : asked;
  if (engine === 'onnx-int8') return { clf: await loadOnnxClassifier(dir, { threads, maxLength: opts.maxLength, quantize: 'int8' }), engine: 'onnx-int8' };
  if (useOnnx) return { clf: await loadOnnxClassifier(dir, { threads, maxLength: opts.maxLength }), engine: 'onnx' };
  return { clf: await loadClassifier(dir, { maxLength: opts.maxLength }), engine: 'tfjs' };
}
