// Multithreaded XNNPACK for @tensorflow/tfjs-backend-wasm 4.22.0 under Node (pinned: this reaches into the
// backend's Emscripten glue). tfjs never picks its threaded build in Node (tfjs issue #3830), although the
// glue supports Node (worker_threads). Three things stand in the way, all fixed here for the duration of
// tf.setBackend('wasm') only:
//  1. The flag WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false under Node: set it to true.
//  2. tfjs hands the pthread pool a `blob:` URL for the worker script and a Blob holding the glue (rebuilt
//     from the bundle's function source, which is not self-contained); Node's Worker accepts neither. A
//     global `Worker` (the glue calls `new Worker(...)`) runs the package's worker script with `eval: true`
//     and points its `load` message at the package's own glue file wasm-out/...-threaded-simd.js.
//  3. backend.cc caps the XNNPACK pool at emscripten_num_logical_cores() / 2 (= os.cpus().length / 2 in
//     Node): 1 on a 2-core machine. os.cpus() is widened while the module starts so the cap is the request.
// Emscripten pre-starts 8 pool workers (unref'd once loaded); the XNNPACK threads are ref'd while they run
// and are unref'd here so that they never keep the process alive (they only work inside a kernel call).
import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker as NodeWorker, type TransferListItem } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

const req = createRequire(import.meta.url);
const WASM_OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';

interface WasmModuleApi {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}
interface PThreadApi {
  runningWorkers: NodeWorker[];
}

/** Threads requested through NLP_BACKDOOR_THREADS (default 1: the stock single-thread build). */
export function requestedThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['NLP_BACKDOOR_THREADS'];
  if (raw == null || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`NLP_BACKDOOR_THREADS must be a positive integer, got "${raw}"`);
  return n;
}

/**
 * The parent's execArgv for a worker_threads Worker, less --input-type (workers inherit the parent's
 * execArgv: --input-type=module would make a CommonJS worker source ESM).
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((a, i, all) => !a.startsWith('--input-type') && all[i - 1] !== '--input-type');
}

interface Startup {
  created: NodeWorker[];
  /** while the module starts, a worker error goes here (instead of the glue's handler, which throws) */
  onError: ((e: unknown) => void) | null;
}

function makeWorkerClass(startup: Startup): typeof NodeWorker {
  const glue = req.resolve(`${WASM_OUT}.js`);
  const { wasmWorkerContents } = req(`${WASM_OUT}.worker.js`) as { wasmWorkerContents: string };
  // the worker source holds "\n" escapes that its template literal turned into newlines (tfjs does the same)
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  const execArgv = workerExecArgv();
  return class PthreadWorker extends NodeWorker {
    constructor(url: string | URL) {
      const blob = String(url).startsWith('blob:');
      super(blob ? workerSource : url, { eval: blob, execArgv });
      startup.created.push(this);
    }
    override postMessage(value: unknown, transferList?: readonly TransferListItem[]): void {
      const msg = value as { cmd?: string; urlOrBlob?: unknown } | null;
      if (msg?.cmd === 'load' && typeof msg.urlOrBlob !== 'string') value = { ...msg, urlOrBlob: glue };
      super.postMessage(value, transferList);
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    override on(event: string | symbol, listener: (...args: any[]) => void): this {
      if (event !== 'error') return super.on(event, listener);
      return super.on('error', (e: unknown) => (startup.onError ? startup.onError(e) : listener(e)));
    }
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Start the wasm backend on its threaded SIMD build with `threads` XNNPACK threads. Returns the thread
 * count the backend reports. Throws (after stopping every worker it started) when the build fails to start;
 * the caller can then start the single-thread build with a plain tf.setBackend('wasm') (which supersedes a
 * start that timed out: tfjs ignores an outdated backend promise).
 */
export async function startThreadedWasm(wasm: WasmModuleApi, threads: number, timeoutMs = 60_000): Promise<number> {
  const startup: Startup = { created: [], onError: null };
  const failed = new Promise<never>((_, reject) => {
    startup.onError = (e) => reject(new Error(`a pthread worker failed to start: ${(e as Error)?.message ?? String(e)}`));
  });
  failed.catch(() => {});
  const prevWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const PthreadWorker = makeWorkerClass(startup);
  // the glue assigns globalThis.Worker = worker_threads.Worker when it starts: keep ours in place
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  const realCpus = os.cpus;
  os.cpus = () => {
    const c = realCpus();
    return Array.from({ length: Math.max(2 * threads, c.length) }, (_, i) => c[i % c.length]!);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  try {
    if (!(await withTimeout(Promise.race([tf.setBackend('wasm'), failed]), timeoutMs, 'threaded wasm start'))) throw new Error('tf.setBackend("wasm") failed on the threaded build');
    const backend = tf.backend() as unknown as { wasm?: { PThread?: PThreadApi } };
    const pthread = backend.wasm?.PThread;
    if (!pthread) throw new Error('the threaded build did not load (no PThread in the module)');
    for (const w of pthread.runningWorkers) w.unref();
    return wasm.getThreadsCount();
  } catch (e) {
    for (const w of startup.created) void w.terminate();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    throw e;
  } finally {
    startup.onError = null;
    os.cpus = realCpus;
    if (prevWorker) Object.defineProperty(globalThis, 'Worker', prevWorker);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}
