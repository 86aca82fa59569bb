// Inside a gains worker (gains-worker.ts, encoder-gains-worker.ts; target.ts, gainsWorkerOf): say "ready", then answer
// each message with the gains `compute` gives for it, transferred, or with the error it threw.
import { parentPort } from 'node:worker_threads';
import type { WorkerReplyOf } from '../../train/worker-set.js';

export type GainsReply = WorkerReplyOf<{ gains: Float32Array }>;

export function serveGains<M extends { id: number }>(compute: (m: M) => Float32Array): void {
  const port = parentPort!;
  port.postMessage({ type: 'ready' } satisfies GainsReply);
  port.on('message', (m: M) => {
    try {
      const gains = compute(m);
      // transferred: wasm's dataSync already copies out of the engine's memory into an array of its own (copied
      // again only if it is a view of a larger or shared buffer)
      const own = gains.buffer instanceof ArrayBuffer && gains.byteOffset === 0 && gains.byteLength === gains.buffer.byteLength;
      const out = own ? gains : gains.slice();
      port.postMessage({ type: 'done', id: m.id, gains: out } satisfies GainsReply, [out.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ type: 'error', id: m.id, message: (e as Error).message } satisfies GainsReply);
    }
  });
}
