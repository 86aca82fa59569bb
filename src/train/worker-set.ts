// N worker threads that answer one message each per request, for the data-parallel pools (data-parallel.ts for
// BERT, cnn-data-parallel.ts for the SentenceCNN): start-up ("ready" from every worker, or a clear error), one
// pending promise per message id, failure of every pending request when a worker errs or dies, and unref
// between batches so an idle pool never keeps the process alive.
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../engine/wasm-threads.js';

/** What a pool worker sends: 'ready' once, then for each message 'done' (with the rest of the reply) or 'error'. */
export type WorkerReplyOf<Done> = { type: 'ready' } | ({ type: 'done'; id: number } & Done) | { type: 'error'; id: number; message: string };

/**
 * Inside a pool worker: arrive at the barrier in `arrived` (Int32 [0], reset by the main thread before each batch)
 * and wait until `n` workers have (an erring worker arrives too, so the others never hang).
 */
export function barrier(arrived: Int32Array, n: number): void {
  Atomics.add(arrived, 0, 1);
  Atomics.notify(arrived, 0);
  for (let c = Atomics.load(arrived, 0); c < n; c = Atomics.load(arrived, 0)) Atomics.wait(arrived, 0, c);
}

export class WorkerSet<Done> {
  private readonly workers: Worker[] = [];
  private pending = new Map<number, { resolve: (r: { type: 'done'; id: number } & Done) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private broken: Error | null = null;
  private disposed = false;
  /** requests of `all` not yet answered */
  private inFlight = 0;

  private constructor(private readonly what: string) {}

  /** Start `n` workers from `url`, worker i with `dataOf(i)` as its workerData; resolves when all are ready. */
  static async start<Done>(url: URL, n: number, dataOf: (i: number) => unknown, what: string): Promise<WorkerSet<Done>> {
    const set = new WorkerSet<Done>(what);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker(url, { workerData: dataOf(i), execArgv: workerExecArgv() });
      set.workers.push(w);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onReady = (m: WorkerReplyOf<Done>) => {
            if (m.type !== 'ready') return;
            w.off('message', onReady);
            resolve();
          };
          w.on('message', onReady);
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`${what} worker ${i} exited with code ${code} while starting`)));
        }),
      );
      w.on('message', (m: WorkerReplyOf<Done>) => set.onReply(m));
      w.on('error', (e: Error) => set.fail(new Error(`${what} worker ${i} failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!set.disposed) set.fail(new Error(`${what} worker ${i} exited (code ${code})`));
      });
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await set.dispose();
      throw e;
    }
    for (const w of set.workers) w.unref();
    return set;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Throws when the set was disposed or a worker failed. */
  check(): void {
    if (this.disposed) throw new Error(`the ${this.what} pool has been disposed`);
    if (this.broken) throw this.broken;
  }

  private onReply(m: WorkerReplyOf<Done>): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'error') p.reject(new Error(m.message));
    else p.resolve(m);
  }

  /** Mark the set broken: every pending and later request fails with `e`. */
  fail(e: Error): void {
    this.broken ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /**
   * Send `msgOf(i, id)` to every worker and wait for all replies (in worker order); the first failure is
   * thrown after every worker answered. Workers are ref'd while any batch runs (several may wait at once).
   */
  async all<M>(msgOf: (i: number, id: number) => M): Promise<({ type: 'done'; id: number } & Done)[]> {
    this.inFlight++;
    try {
      const jobs = this.workers.map((w, i) => {
        const id = this.nextId++;
        w.ref();
        const job = new Promise<{ type: 'done'; id: number } & Done>((resolve, reject) => this.pending.set(id, { resolve, reject }));
        w.postMessage(msgOf(i, id));
        return job;
      });
      const settled = await Promise.allSettled(jobs);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason as Error;
      return settled.map((s) => (s as PromiseFulfilledResult<{ type: 'done'; id: number } & Done>).value);
    } finally {
      // unref'd only when no other request is waiting: a waiting request with unref'd workers leaves the event loop
      // empty, and the process would end without its answer
      if (--this.inFlight === 0 && !this.disposed) for (const w of this.workers) w.unref();
    }
  }

  /** Stop the workers (idempotent). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.fail(new Error(`the ${this.what} pool has been disposed`));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
