// Which engine a run's test sets (clean and triggered) are evaluated through. Training stays on tfjs; the
// trained SentenceCNN is exported to ONNX in memory (models/onnx/cnn.ts) and its predictions come from
// onnxruntime-node, the fast path of `predict` and `trigger-metrics` (docs/onnx.md: logits within 1e-6 of
// tfjs). onnxruntime-node is an optional dependency: with `auto` (the default) a process without it
// evaluates through tfjs after a one-line notice; `tfjs` keeps the previous path (the parity test compares
// both, test/experiments/eval-engine.test.ts).
import * as os from 'node:os';
import { predictLabels, predictTextsAsync, type TextClassifier } from '../models/classifier.js';
import { loadOrt, toOnnx } from '../models/onnx/index.js';

export type EvalEngineName = 'auto' | 'onnx' | 'tfjs';
export const EVAL_ENGINES: readonly EvalEngineName[] = ['auto', 'onnx', 'tfjs'];

/** Predicted labels for texts, from one trained classifier through one engine. */
export interface LabelPredictor {
  readonly engine: 'onnx' | 'tfjs';
  predict(texts: string[]): Promise<number[]>;
  dispose(): Promise<void>;
}

export interface EvalEngineOptions {
  /** onnx intra-op threads (default: the number of cores; a worker process gets its share) */
  threads?: number;
  /** where the fallback notice goes */
  log?: (line: string) => void;
  /** how onnxruntime is loaded (tests pass one that fails, to see the fallback) */
  loadRuntime?: () => Promise<unknown>;
}

// the notice is given once per process, not once per run of a 72-run sweep
let noticeGiven = false;

/** @internal tests: forget that the fallback notice was given */
export function resetEvalEngineNotice(): void {
  noticeGiven = false;
}

/** 'onnx' or 'tfjs' for a requested engine: `auto` is onnx when onnxruntime-node loads in this process. */
export async function resolveEvalEngine(requested: EvalEngineName, opts: EvalEngineOptions = {}): Promise<'onnx' | 'tfjs'> {
  if (requested === 'tfjs') return 'tfjs';
  try {
    await (opts.loadRuntime ?? loadOrt)();
    return 'onnx';
  } catch (e) {
    // `onnx` asked for explicitly: the error names the package and how to install it (runtime.ts)
    if (requested === 'onnx') throw e;
    if (!noticeGiven) (opts.log ?? ((l: string) => process.stderr.write(l + '\n')))(`note: evaluating through tfjs (onnxruntime-node is not installed: the optional fast path; docs/onnx.md)`);
    noticeGiven = true;
    return 'tfjs';
  }
}

/** A predictor over `clf` (which the caller keeps owning) through the requested engine. */
export async function labelPredictor(clf: TextClassifier, requested: EvalEngineName = 'auto', opts: EvalEngineOptions = {}): Promise<LabelPredictor> {
  const engine = await resolveEvalEngine(requested, opts);
  if (engine === 'tfjs') return { engine, predict: async (texts) => predictLabels(clf, texts), dispose: async () => {} };
  const onnx = await toOnnx(clf, { threads: opts.threads ?? os.availableParallelism() });
  return {
    engine,
    // larger batches than tfjs's 100: onnxruntime's per-call overhead is the cost at this model size
    predict: async (texts) => (await predictTextsAsync(onnx, texts, 256)).map((p) => p.label),
    dispose: () => onnx.dispose(),
  };
}
