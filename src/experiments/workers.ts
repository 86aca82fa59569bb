// Where runs execute. An Executor takes one run at a time and answers with its outcome. Two kinds:
// - in the coordinator's own process (`--workers 1`, the library default): the run shares the coordinator's
//   tensor engine, and Ctrl-C reaches it directly;
// - in a worker process (`--workers N`, N > 1): a forked Node process (run-worker.ts) with its own tensor
//   engine, so N runs train at once on N cores. A worker that dies (a crash, an out-of-memory kill, SIGKILL)
//   turns into a `failed` outcome for the run it held, naming the exit; the next run gets a fresh process.
// Processes rather than worker_threads: a run that exhausts memory or aborts in native code takes down only
// its own process, and the tfjs wasm backend keeps global state that is simplest to isolate per process.
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { executeRun, RunContext, type RunOutcome, type RunTask, type RunContextInit, type RunHooks } from './execute-run.js';

export interface Executor {
  /** a name for logs and the store's `by` field */
  readonly name: string;
  run(task: RunTask): Promise<RunOutcome>;
  /** ask the run in progress to stop at its next safe point (it answers `interrupted`, or `done` if it got there first) */
  stop(): void;
  /** called once the run's outcome is in the store */
  committed?(task: RunTask): Promise<void>;
  close(): Promise<void>;
}

export class InProcessExecutor implements Executor {
  readonly name = 'local';
  private stopped = false;
  constructor(
    private readonly ctx: RunContext,
    private readonly hooks: RunHooks,
  ) {}
  run(task: RunTask): Promise<RunOutcome> {
    return executeRun(this.ctx, task, { ...this.hooks, shouldStop: () => this.stopped || !!this.hooks.shouldStop?.() });
  }
  stop(): void {
    this.stopped = true;
  }
  async close(): Promise<void> {}
}

/** Messages between the coordinator and a worker process. */
export type ToWorker = { type: 'init'; init: RunContextInit; progress: boolean } | { type: 'run'; task: RunTask } | { type: 'stop' };
export type FromWorker = { type: 'started' } | { type: 'log'; line: string } | { type: 'outcome'; outcome: RunOutcome };

const WORKER_SCRIPT = fileURLToPath(new URL('./run-worker.js', import.meta.url));

export class ProcessExecutor implements Executor {
  private child: ChildProcess | null = null;
  private current: { task: RunTask; resolve: (o: RunOutcome) => void } | null = null;
  name = 'worker';
  constructor(
    private readonly init: RunContextInit,
    private readonly hooks: { log: (line: string) => void; progress: boolean; onStart?: (pid: number, task: RunTask) => void },
  ) {}

  private spawn(): ChildProcess {
    // stderr is piped so the trainer's lines come out prefixed with the run they belong to
    const child = fork(WORKER_SCRIPT, [], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.name = `worker ${child.pid}`;
    // through the coordinator's log, so a live view draws them above its bars
    createInterface({ input: child.stderr! }).on('line', (line) => this.hooks.log(`[${this.current?.task.cr.id ?? this.name}] ${line}`));
    child.on('message', (m: FromWorker) => {
      if (m.type === 'log') this.hooks.log(m.line);
      else if (m.type === 'started' && this.current) this.hooks.onStart?.(child.pid!, this.current.task);
      else if (m.type === 'outcome' && this.current) {
        const { resolve } = this.current;
        this.current = null;
        resolve(m.outcome);
      }
    });
    child.on('exit', (code, signal) => this.died(child, signal ? `signal ${signal}` : `exit code ${code}`));
    // a message to a process that just died fails with EPIPE before its exit event arrives
    child.on('error', (e) => this.died(child, (e as NodeJS.ErrnoException).code ?? e.message));
    child.send({ type: 'init', init: this.init, progress: this.hooks.progress } satisfies ToWorker);
    return child;
  }

  /** The worker process is gone: the run it held (if any) failed; the next run gets a new process. */
  private died(child: ChildProcess, how: string): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.current) {
      const { task, resolve } = this.current;
      this.current = null;
      resolve({ status: 'failed', error: `worker process ${child.pid} died during run ${task.cr.id} (${how})` });
    }
  }

  run(task: RunTask): Promise<RunOutcome> {
    if (this.current) throw new Error(`${this.name} is busy with ${this.current.task.cr.id}`);
    if (this.child && !this.child.connected) this.child = null;
    const child = (this.child ??= this.spawn());
    return new Promise((resolve) => {
      this.current = { task, resolve };
      const send = (c: ChildProcess, retry: boolean) => {
        c.send({ type: 'run', task } satisfies ToWorker, (err) => {
          if (!err || this.current?.task !== task) return;
          // the process died while idle, before its exit event: the run never started there; a fresh one takes it
          if (this.child === c) this.child = null;
          if (retry) send((this.child = this.spawn()), false);
          else this.died(c, (err as NodeJS.ErrnoException).code ?? err.message);
        });
      };
      send(child, true);
    });
  }

  stop(): void {
    if (this.child?.connected) this.child.send({ type: 'stop' } satisfies ToWorker);
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    // a worker exits when its channel closes (run-worker.ts)
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      if (child.connected) child.disconnect();
      else child.kill();
    });
  }
}
