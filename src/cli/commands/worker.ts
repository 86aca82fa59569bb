// `nlp-backdoor worker --queue redis://HOST:PORT`: train runs that `run FILE --out DIR --queue …` puts on the
// queue, on this machine, until stopped (Ctrl-C / SIGTERM: the run in progress stops at its next step and goes
// back on the queue for another worker). See docs/scale-out.md.
import type { Command } from '../command.js';
import { num, requireStr } from '../args.js';

export const worker: Command = {
  name: 'worker',
  summary: 'train experiment runs from a Redis queue (the other end of `run --queue`)',
  usage: '--queue redis://HOST:PORT [--concurrency N]',
  flags: {
    queue: { type: 'string', description: 'the Redis URL the experiment was started with (run … --queue URL)' },
    concurrency: { type: 'string', description: 'runs trained at once by this process (default 1; start one worker per core instead for one engine per core)' },
    'lock-ms': { type: 'string', description: 'a job whose worker stops renewing its lock for this long is taken up by another worker (default 30000)' },
    'stalled-check-ms': { type: 'string', description: 'how often this worker looks for such stalled jobs (default 30000)' },
    quiet: { type: 'boolean', description: 'no per-epoch progress' },
  },
  async run(args) {
    // loaded here: BullMQ and its Redis client are only needed by this command and `run --queue`
    const { startQueueWorker } = await import('../../experiments/queue.js');
    const w = await startQueueWorker({
      url: requireStr(args, 'queue'),
      concurrency: num(args, 'concurrency', { int: true, min: 1 }),
      lockDuration: num(args, 'lock-ms', { int: true, min: 1000 }),
      stalledInterval: num(args, 'stalled-check-ms', { int: true, min: 500 }),
      progress: args.flags['quiet'] !== true,
      log: (l) => console.error(l),
    });
    // runs until a signal: the job in progress is handed back (BullMQ moves it to another worker)
    const sig = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    console.error(`${sig}: worker ${w.name} stopping`);
    await w.close();
    return sig === 'SIGINT' ? 130 : 143;
  },
};
