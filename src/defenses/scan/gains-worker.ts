// A slotGains worker (target.ts, gainsWorker): a copy of a BERT classifier loaded from its directory on the same
// engine as the scan's (wasm, one thread), answering one pass of gains per message with the function the scan
// runs itself (bertChunkGains), so that a pass gives the same numbers here as there.
import { parentPort, workerData } from 'node:worker_threads';
import { initEngine, type BackendName } from '../../engine/index.js';
import { BertClassifier, loadClassifier } from '../../models/classifier.js';
import { bertChunkGains, type GainsChunk } from './target.js';
import type { WorkerReplyOf } from '../../train/worker-set.js';

export interface GainsWorkerData {
  dir: string;
  backend: BackendName;
}
export type GainsReply = WorkerReplyOf<{ gains: Float32Array }>;

const d = workerData as GainsWorkerData;
const port = parentPort!;
await initEngine({ backend: d.backend, threads: 1 });
const clf = await loadClassifier(d.dir);
if (!(clf instanceof BertClassifier)) throw new Error(`${d.dir}: the gains worker runs BERT classifiers, not "${clf.kind}"`);
const model = clf.model;
port.postMessage({ type: 'ready' } satisfies GainsReply);
port.on('message', (m: { id: number; chunk: GainsChunk }) => {
  try {
    const gains = bertChunkGains(model, m.chunk);
    // transferred: wasm's dataSync already copies out of the engine's memory into an array of its own (copied
    // again only if it is a view of a larger or shared buffer)
    const own = gains.buffer instanceof ArrayBuffer && gains.byteOffset === 0 && gains.byteLength === gains.buffer.byteLength;
    const out = own ? gains : gains.slice();
    port.postMessage({ type: 'done', id: m.id, gains: out } satisfies GainsReply, [out.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ type: 'error', id: m.id, message: (e as Error).message } satisfies GainsReply);
  }
});
