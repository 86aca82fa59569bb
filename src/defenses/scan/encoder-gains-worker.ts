// The encoder scan's gains worker (encoder-scan.ts, the gradient growth; target.ts, gainsWorkerOf): a copy of the
// encoder loaded from its directory as the scan loads it, on the same engine (wasm, one thread), answering one pass
// of slot gains per message with the function the scan runs itself (encoderSlotGains), so that a pass gives the same
// numbers here as there.
import { workerData } from 'node:worker_threads';
import { initEngine } from '../../engine/index.js';
import { BertForSequenceClassification } from '../../models/bert/index.js';
import { encoderSlotGains, type EncoderGainsJob } from './encoder-scan.js';
import { serveGains } from './serve-gains.js';
import type { GainsWorkerData } from './gains-worker.js';

const d = workerData as GainsWorkerData;
await initEngine({ backend: d.backend, threads: 1 });
const model = await BertForSequenceClassification.load(d.dir);
serveGains((m: { id: number; job: EncoderGainsJob }) => encoderSlotGains(model, m.job));
