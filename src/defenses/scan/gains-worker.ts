// A slotGains worker (target.ts, gainsWorker): a copy of a BERT classifier loaded from its directory on the same
// engine as the scan's (wasm, one thread), answering one pass of gains per message with the function the scan
// runs itself (bertChunkGains), so that a pass gives the same numbers here as there.
import { workerData } from 'node:worker_threads';
import { initEngine, type BackendName } from '../../engine/index.js';
import { BertClassifier, loadClassifier } from '../../models/classifier.js';
import { bertChunkGains, type GainsChunk } from './target.js';
import { serveGains } from './serve-gains.js';

export interface GainsWorkerData {
  dir: string;
  backend: BackendName;
}

const d = workerData as GainsWorkerData;
await initEngine({ backend: d.backend, threads: 1 });
const clf = await loadClassifier(d.dir);
if (!(clf instanceof BertClassifier)) throw new Error(`${d.dir}: the gains worker runs BERT classifiers, not "${clf.kind}"`);
const model = clf.model;
serveGains((m: { id: number; chunk: GainsChunk }) => bertChunkGains(model, m.chunk));
