// Content digests of examples and datasets: what a run or a checkpoint was trained on, by content. An edited
// line of a data file changes the digest even when the counts stay the same (issue 12, item 13).
import { sha256Of } from '../common/content-hash.js';
import type { Dataset, Example } from './types.js';

/** SHA-256 over the examples' texts and labels, in order. */
export function examplesDigest(examples: readonly Example[]): string {
  return sha256Of(
    (function* () {
      for (const e of examples) {
        yield e.text;
        yield String(e.label);
      }
    })(),
  );
}

/** SHA-256 over a dataset's label names and its train, dev and test examples (so also over its split). */
export function datasetDigest(ds: Dataset): string {
  return sha256Of([JSON.stringify(ds.labelNames), examplesDigest(ds.train), examplesDigest(ds.dev), examplesDigest(ds.test)]);
}
