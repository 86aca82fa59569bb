// The identity of an experiment run: what makes two runs the same run, so that a finished run is skipped on
// a rerun, found in a shared --cache, or its checkpoint resumed. By content, not by names or counts: the
// data's digest (an edited line of a data file makes a new run), the fully resolved training configuration
// (defaults filled in, a word-vectors file by its content), the split table's triggers, the transfer source's
// weights, and the versions and backend that change the numbers (issue 12, item 13).
import type { Dataset } from '../data/types.js';
import { datasetDigest } from '../data/digest.js';
import type { RunConfig } from './schema.js';
import { defaultTrainConfig, type CnnTrainConfig } from '../train/train-classifier.js';
import { fingerprintOf } from '../train/checkpoint.js';
import { vectorsIdentity } from '../text/vectors.js';
import { versions } from '../common/versions.js';
import type { EngineInfo } from '../engine/index.js';

const digests = new WeakMap<Dataset, string>();

/** datasetDigest, computed once per loaded dataset. */
export function cachedDatasetDigest(ds: Dataset): string {
  let d = digests.get(ds);
  if (!d) digests.set(ds, (d = datasetDigest(ds)));
  return d;
}

export interface RunIdentity {
  run: RunConfig;
  seed: number;
  dataset: Dataset;
  trainConfig: Partial<CnnTrainConfig>;
  maxTrain: number | undefined;
  /** digest of the transfer source's weights (null: no transfer, or the source is not trained yet) */
  transferFrom: string | null;
  engine: Pick<EngineInfo, 'backend' | 'tfjs'>;
  /** what the run's metrics are measured with beyond the run itself: the split table's triggers and positions */
  evaluation?: unknown;
}

export function runFingerprint(id: RunIdentity): string {
  const v = versions();
  const train = { ...defaultTrainConfig, ...id.trainConfig };
  return fingerprintOf({
    identity: 'nlp-backdoor-run/2',
    run: id.run,
    seed: id.seed,
    data: cachedDatasetDigest(id.dataset),
    split: id.dataset.split,
    train,
    vectors: vectorsIdentity(train.vectors),
    evaluation: id.evaluation ?? null,
    maxTrain: id.maxTrain ?? null,
    transferFrom: id.transferFrom,
    results: { 'nlp-backdoor': v['nlp-backdoor'], tfjs: id.engine.tfjs, backend: id.engine.backend },
  });
}
