// The encoder scan's gains worker (encoder-scan.ts, the gradient growth; target.ts, gainsWorkerOf): a copy of the
// encoder loaded from its directory as the scan loads it, on the same engine (wasm, one thread), answering one pass
// of slot gains per message with the function the scan runs itself (encoderSlotGains), so that a pass gives the same
// numbers here as there.
import { parentPort, workerData } from 'node:worker_threads';
import { initEngine, type BackendName } from '../../engine/index.js';
import { BertForSequenceClassification } from '../../models/bert/index.js';
import { encoderSlotGains, type EncoderGainsJob } from './encoder-scan.js';
import type { GainsReply } from './gains-worker.js';

const d = workerData as { dir: string; backend: BackendName };
const port = parentPort!;
await initEngine({ backend: d.backend, threads: 1 });
const model = await BertForSequenceClassification.load(d.dir);
port.postMessage({ type: 'ready' } satisfies GainsReply);
port.on('message', (m: { id: number; job: EncoderGainsJob }) => {
  try {
    const gains = encoderSlotGains(model, m.job);
    const own = gains.buffer instanceof ArrayBuffer && gains.byteOffset === 0 && gains.byteLength === gains.buffer.byteLength;
    const out = own ? gains : gains.slice();
    port.postMessage({ type: 'done', id: m.id, gains: out } satisfies GainsReply, [out.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ type: 'error', id: m.id, message: (e as Error).message } satisfies GainsReply);
  }
});
