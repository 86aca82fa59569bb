// A dataset released as one text file per label, one example per line (MR, SUBJ, CR, MPQA, Sentiment140):
// the files are read in label order and split by seed, since such releases have no split.
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { readLineExamples } from '../lines.js';
import type { TextEncoding } from '../read-text.js';
import { need, provenanceOf, type DatasetInfo, type NamedDataset } from './dataset.js';

/** `fileOf` names each label's file (in labelNames order); `encoding` is the release's (latin-1 for Pang & Lee's). */
export function oneFilePerLabel(info: Omit<DatasetInfo, 'labelNames' | 'split'>, fileOf: Readonly<Record<string, string>>, encoding?: TextEncoding): NamedDataset {
  return {
    ...info,
    labelNames: Object.keys(fileOf),
    split: 'seeded (test 0.1, dev 0.1 of the rest)',
    load(dir, o) {
      const empties = new EmptyTexts();
      const train = Object.entries(fileOf).flatMap(([label, file]) => readLineExamples(need(this, dir, file), label, empties, encoding));
      return assembleDataset({ name: this.name, parts: { train }, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
    },
  };
}
