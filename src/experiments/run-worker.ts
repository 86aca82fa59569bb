// A worker process of `run --workers N` (forked by workers.ts): its own tensor engine, one run at a time,
// results back over the IPC channel. The coordinator decides when to stop: Ctrl-C at a terminal reaches the
// whole process group, so SIGINT/SIGTERM are ignored here and the coordinator's `stop` message ends the run
// at its next safe point instead. When the coordinator is gone (its channel closes), the worker exits: a
// killed coordinator leaves no orphan training on.
import { initEngine } from '../engine/index.js';
import { executeRun, RunContext } from './execute-run.js';
import type { FromWorker, ToWorker } from './workers.js';

if (!process.send) {
  process.stderr.write('run-worker.js is started by `nlp-backdoor run --workers N`, not by hand\n');
  process.exit(2);
}
const send = (m: FromWorker) => process.send!(m);
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('disconnect', () => process.exit(0));

let ctx: RunContext | null = null;
let progress = false;
let stop = false;

process.on('message', (m: ToWorker) => {
  if (m.type === 'init') {
    ctx = new RunContext(m.init);
    progress = m.progress;
  } else if (m.type === 'stop') stop = true;
  else if (m.type === 'run') {
    stop = false;
    void (async () => {
      await initEngine();
      send({ type: 'started' });
      const outcome = await executeRun(ctx!, m.task, { shouldStop: () => stop, log: (line) => send({ type: 'log', line }), progress });
      send({ type: 'outcome', outcome });
    })();
  }
});
