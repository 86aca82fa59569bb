// Distributed mode on a Redis queue (BullMQ): `run FILE --out DIR --queue redis://HOST:PORT` puts each run
// on the queue as a job, and `nlp-backdoor worker --queue redis://…` on any machine takes jobs, trains them
// with its own tensor engine and hands the outcome back. The coordinator stays the only writer of DIR: a
// job carries everything a worker needs (the experiment, the run, its loaded and split data, a transfer
// source's model), and its return value carries everything DIR needs (the result and the model's files), so
// workers need no shared disk and no copy of the data.
//
// Exactly one stored outcome per run: the job id is the run's key and fingerprint, so queueing a run that is
// already queued (a restarted coordinator) joins the existing job instead of adding another; the
// coordinator records outcomes in the store (store.ts), which never writes a second `done` for a run.
// BullMQ gives the rest: a failed attempt is retried (`attempts`), and a job whose worker died (its lock
// expires: no renewal from a killed process) is moved back to the queue by the stalled-job check of the
// workers still alive and trained again.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError } from '../common/errors.js';
import { writeFileAtomic } from '../common/fs-atomic.js';
import type { Dataset } from '../data/types.js';
import { initEngine } from '../engine/index.js';
import { executeRun, RunContext, type RunContextInit, type RunOutcome, type RunTask } from './execute-run.js';
import type { RunResult } from './results.js';
import type { Executor } from './workers.js';

export const QUEUE_NAME = 'nlp-backdoor-runs';

interface JobData {
  init: RunContextInit;
  task: RunTask;
  /** the datasets the run uses, keyed as RunContext keys them */
  datasets: [string, Dataset][];
  /** the transfer source's model files (base64), when the run starts from another run's model */
  fromModel: Record<string, string> | null;
}

interface JobResult {
  result: RunResult;
  /** runs/<id>/model/*, base64 */
  model: Record<string, string>;
}

/** host and port of a redis:// URL; anything else is an error naming the flag. */
export function parseQueueUrl(url: string): { host: string; port: number; db?: number; password?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`--queue ${url}: not a URL; give redis://HOST:PORT`);
  }
  if (u.protocol !== 'redis:') throw new InputError(`--queue ${url}: only redis://HOST:PORT queues are supported`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379, ...(db !== undefined ? { db } : {}), ...(u.password ? { password: decodeURIComponent(u.password) } : {}) };
}

/**
 * Connect once, with no retries, and PING: an unreachable queue is a clear error within `timeoutMs` instead of
 * ioredis's endless reconnecting.
 */
export async function checkQueue(url: string, timeoutMs = 5000): Promise<void> {
  const conn = parseQueueUrl(url);
  const client = new Redis({ ...conn, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // the socket's own error (ECONNREFUSED, ENOTFOUND) says more than the "Connection is closed" that follows
  let first: Error | null = null;
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, rej) => {
    client.on('error', (e: Error) => rej((first ??= e)));
    timer = setTimeout(() => rej(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), failed]);
  } catch (e) {
    const err = (first ?? e) as NodeJS.ErrnoException;
    throw new InputError(`--queue ${url}: cannot reach Redis at ${conn.host}:${conn.port} (${err.code ?? err.message}); is redis-server running there?`);
  } finally {
    clearTimeout(timer);
    failed.catch(() => {});
    client.disconnect();
  }
}

const connectionOf = (url: string) => ({ ...parseQueueUrl(url), maxRetriesPerRequest: null });

function readDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = fs.readFileSync(p).toString('base64');
  }
  return out;
}

function writeDir(dir: string, files: Record<string, string>): void {
  for (const [f, b64] of Object.entries(files)) writeFileAtomic(path.join(dir, path.basename(f)), Buffer.from(b64, 'base64'));
}

/** The coordinator's side: every run handed to it becomes a job; its outcome comes back with the model. */
export class QueueClient {
  // connected on the first run handed over: a rerun whose runs are all in the store never connects. A BullMQ
  // connection closed while it is still initialising rejects its initialisation later with "Connection is
  // closed." on an emitter nobody listens to any more, which crashed the process when Redis went away after
  // such a rerun (seen in test/experiments/queue.test.ts on a loaded machine); close() waits for readiness.
  private conn: { queue: Queue; events: QueueEvents } | null = null;
  constructor(
    readonly url: string,
    private readonly init: RunContextInit,
    private readonly datasetsOf: (task: RunTask) => [string, Dataset][],
    private readonly attempts = 3,
  ) {}

  private get queue(): Queue {
    return this.connected().queue;
  }
  private get events(): QueueEvents {
    return this.connected().events;
  }
  private connected(): { queue: Queue; events: QueueEvents } {
    return (this.conn ??= { queue: new Queue(QUEUE_NAME, { connection: connectionOf(this.url) }), events: new QueueEvents(QUEUE_NAME, { connection: connectionOf(this.url) }) });
  }

  async run(task: RunTask): Promise<RunOutcome> {
    const jobId = `${task.cr.key}-${task.fingerprint}`;
    const existing = await this.queue.getJob(jobId);
    // a failed job of an earlier coordinator is retried afresh (a rerun retries failed runs)
    if (existing && (await existing.isFailed())) await existing.remove();
    const data: JobData = {
      init: this.init,
      task,
      datasets: this.datasetsOf(task),
      fromModel: task.fromDir && fs.existsSync(task.fromDir) ? readDir(task.fromDir) : null,
    };
    const job = await this.queue.add(task.cr.id, data, { jobId, attempts: this.attempts, backoff: { type: 'fixed', delay: 1000 } });
    try {
      const r = (await job.waitUntilFinished(this.events)) as JobResult;
      const modelDir = path.join(this.init.outDir, 'runs', task.cr.id, 'model');
      fs.mkdirSync(modelDir, { recursive: true });
      writeDir(modelDir, r.model);
      return { status: 'done', result: r.result };
    } catch (e) {
      return { status: 'failed', error: `on the queue, after ${this.attempts} attempt(s): ${(e as Error).message}` };
    }
  }

  /** Forget a finished job (its outcome is in the store now). */
  async forget(task: RunTask): Promise<void> {
    if (!this.conn) return;
    await this.queue.remove(`${task.cr.key}-${task.fingerprint}`).catch(() => 0);
  }

  async close(): Promise<void> {
    if (!this.conn) return;
    const { queue, events } = this.conn;
    this.conn = null;
    await Promise.all([queue.waitUntilReady().catch(() => null), events.waitUntilReady().catch(() => null)]);
    await events.close();
    await queue.close();
  }
}

/** One executor slot of the coordinator backed by the queue (as many slots as runs: the workers set the pace). */
export class QueueExecutor implements Executor {
  readonly name: string;
  private interrupt: (() => void) | null = null;
  private stopped = false;
  constructor(private readonly client: QueueClient) {
    this.name = `queue ${client.url}`;
  }
  async run(task: RunTask): Promise<RunOutcome> {
    const finished = this.client.run(task);
    // Ctrl-C stops the waiting, not the job: it stays on the queue, and rerunning the command collects its
    // outcome (the job id is the same)
    const stopped = new Promise<RunOutcome>((resolve) => {
      this.interrupt = () => resolve({ status: 'interrupted' });
      if (this.stopped) this.interrupt();
    });
    return Promise.race([finished, stopped]);
  }
  /** The outcome is in the store: the job can leave Redis (until then a restarted coordinator can collect it). */
  async committed(task: RunTask): Promise<void> {
    await this.client.forget(task);
  }
  stop(): void {
    this.stopped = true;
    this.interrupt?.();
  }
  async close(): Promise<void> {}
}

export interface QueueWorkerOptions {
  url: string;
  /** runs trained at once by this process (default 1: one tensor engine, one core) */
  concurrency?: number;
  /** ms a job's lock lasts without renewal before the job counts as stalled (BullMQ default 30,000) */
  lockDuration?: number;
  /** ms between stalled-job checks (BullMQ default 30,000) */
  stalledInterval?: number;
  log?: (line: string) => void;
  progress?: boolean;
}

/** `nlp-backdoor worker`: take runs from the queue until stopped. Resolves once the worker is listening. */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<{ close: () => Promise<void>; name: string }> {
  await checkQueue(opts.url);
  await initEngine();
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const name = `${os.hostname()}:${process.pid}`;
  let stopping = false;
  const worker = new Worker<JobData, JobResult>(
    QUEUE_NAME,
    async (job: Job<JobData, JobResult>) => {
      const { init, task, datasets, fromModel } = job.data;
      // the run trains in a scratch folder; its model goes back in the return value
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-worker-'));
      try {
        let fromDir: string | null = null;
        if (fromModel) {
          fromDir = path.join(scratch, 'from');
          fs.mkdirSync(fromDir);
          writeDir(fromDir, fromModel);
        }
        const ctx = new RunContext({ ...init, outDir: scratch }, new Map(datasets));
        log(`${task.cr.id}: started (job ${job.id}, attempt ${job.attemptsMade + 1})`);
        const o = await executeRun(ctx, { ...task, fromDir }, { shouldStop: () => stopping, log: (l) => log(`${task.cr.id}: ${l}`), progress: opts.progress });
        if (o.status === 'interrupted') throw new Error(`worker ${name} stopped during the run`);
        if (o.status === 'failed') throw new Error(o.error);
        log(`${task.cr.id}: done (cacc ${o.result.metrics.cacc.toFixed(4)})`);
        return { result: { ...o.result }, model: readDir(ctx.modelDirOf(task.cr.id)) };
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    },
    {
      connection: connectionOf(opts.url),
      concurrency: opts.concurrency ?? 1,
      lockDuration: opts.lockDuration ?? 30_000,
      stalledInterval: opts.stalledInterval ?? 30_000,
      // a job whose worker died is put back this many times before it fails
      maxStalledCount: 2,
      name,
    },
  );
  worker.on('error', (e) => log(`worker ${name}: ${e.message}`));
  worker.on('stalled', (id) => log(`job ${id} stalled (its worker stopped renewing the lock): back on the queue`));
  await worker.waitUntilReady();
  log(`worker ${name} listening on ${opts.url} (queue ${QUEUE_NAME})`);
  return {
    name,
    close: async () => {
      stopping = true;
      await worker.close();
    },
  };
}
