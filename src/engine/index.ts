// The one place that decides the tensor backend. Everything else imports `tf` from here.
// Default: @tensorflow/tfjs-backend-wasm (its .wasm ships in the package: works offline) with the project's
// kernel fixes. @tensorflow/tfjs-node is used automatically when it is installed; it is never required.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients, and its per-gradient ESM files are not loadable by Node (imports
// without extensions); the @tensorflow/tfjs bundle registers all of them (and the cpu backend) on import.
import '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { registerWasmKernels } from './wasm-kernels.js';
import { requestedThreads, startThreadedWasm } from './wasm-threads.js';

export { tf };

export type BackendName = 'wasm' | 'tensorflow' | 'cpu';
export interface EngineInfo {
  backend: string;
  threads: number;
  tfjs: string;
  reason: string;
}

let current: EngineInfo | null = null;

export interface EngineOptions {
  /** Force a backend; default: tfjs-node if installed, else wasm. Env NLP_BACKDOOR_BACKEND overrides too. */
  backend?: BackendName;
  /** wasm: XNNPACK threads; default NLP_BACKDOOR_THREADS, else 1. Above 1 the threaded SIMD build is started
   *  (see wasm-threads.ts), falling back to the single-thread build if it fails to start. */
  threads?: number;
}

async function tryTfjsNode(): Promise<boolean> {
  try {
    const req = createRequire(import.meta.url);
    req.resolve('@tensorflow/tfjs-node');
  } catch {
    return false;
  }
  try {
    // tfjs-node registers its 'tensorflow' backend against its own tfjs-core copy; this only works when
    // versions match. Any failure falls back to wasm.
    await import('@tensorflow/tfjs-node' as string);
    return tf.findBackendFactory('tensorflow') != null;
  } catch {
    return false;
  }
}

/** Initialise the backend once; later calls return the same info. */
export async function initEngine(opts: EngineOptions = {}): Promise<EngineInfo> {
  if (current) return current;
  const wanted = (opts.backend ?? (process.env['NLP_BACKDOOR_BACKEND'] as BackendName | undefined)) || undefined;
  let reason = 'default';
  if (wanted === 'tensorflow' || (!wanted && (await tryTfjsNode()))) {
    if (await tf.setBackend('tensorflow')) {
      await tf.ready();
      current = { backend: 'tensorflow', threads: 0, tfjs: tf.version_core, reason: wanted ? 'requested' : '@tensorflow/tfjs-node installed' };
      return current;
    }
    if (wanted) throw new Error('backend "tensorflow" requested but @tensorflow/tfjs-node is not installed or failed to load');
    reason = '@tensorflow/tfjs-node failed to load; using wasm';
  }
  if (wanted === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    current = { backend: 'cpu', threads: 1, tfjs: tf.version_core, reason: 'requested' };
    return current;
  }
  const wasmMod = await import('@tensorflow/tfjs-backend-wasm');
  registerWasmKernels();
  const threads = opts.threads ?? requestedThreads();
  if (wanted) reason = 'requested';
  let started = 1;
  if (threads > 1) {
    // tfjs-backend-wasm never picks its threaded build under Node (tfjs issue #3830): wasm-threads.ts does
    try {
      started = await startThreadedWasm(wasmMod, threads);
      reason += `; threaded SIMD build, ${started} threads`;
    } catch (e) {
      reason += `; threaded build failed (${(e as Error).message}), single thread`;
      started = 1;
    }
  }
  if (started === 1 && !(await tf.setBackend('wasm'))) throw new Error('could not initialise the tfjs wasm backend');
  await tf.ready();
  current = { backend: 'wasm', threads: wasmMod.getThreadsCount(), tfjs: tf.version_core, reason };
  return current;
}

export function engineInfo(): EngineInfo | null {
  return current;
}

/**
 * For synchronous code that creates tensors (model constructors, predictTexts): the engine must have been
 * initialised. Without this check tfjs silently starts its pure-JavaScript CPU backend (issue 12: one MR epoch
 * ran over 10 minutes while memory grew to 13 GB; 8.5 s and 320 MB with the engine initialised).
 * The library's async entry points (trainClassifier, loadClassifier, runExperiment, fineTuneBert,
 * pretrainMlm, the BERT loaders) initialise it themselves; only code that builds a model directly needs
 * `await initEngine()` first.
 */
export function requireEngine(what: string): EngineInfo {
  if (current) return current;
  throw new Error(
    `${what}: the tensor engine is not initialised; call \`await initEngine()\` (from 'nlp-backdoor') first. ` +
      'trainClassifier, loadClassifier, runExperiment and the BERT loaders do it themselves; without it tfjs would ' +
      'fall back to its pure-JavaScript CPU backend.',
  );
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Read-only zero-copy view of a float32 wasm tensor's data (valid until the next tfjs allocation); a copy on other backends. */
export function readView(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm' && t.dtype === 'float32') {
    const backend = tf.engine().backend as any;
    if (backend.dataIdMap?.get(t.dataId)) return backend.typedArrayFromHeap(t) as Float32Array;
  }
  return t.dataSync() as Float32Array;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
