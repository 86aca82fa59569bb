// A WorkerSet worker for worker-set.test.ts: answers each message after `ms` milliseconds, with its id.
import { parentPort } from 'node:worker_threads';

const port = parentPort!;
port.postMessage({ type: 'ready' });
port.on('message', (m: { id: number; ms: number }) => {
  setTimeout(() => port.postMessage({ type: 'done', id: m.id, echo: m.id }), m.ms);
});
