// MR: Pang & Lee (ACL 2005), sentence polarity dataset v1.0 — the source domain of the SentenceCNN study.
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { readLineExamples } from '../lines.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';

export const mr: NamedDataset = {
  name: 'mr',
  description: 'movie-review sentence polarity (MR), 5,331 negative + 5,331 positive sentences; no split, so a seeded stratified 90/10 test split',
  folder: 'mr_rt_polarity',
  files: ['rt-polarity.pos', 'rt-polarity.neg'],
  labelNames: ['negative', 'positive'],
  ships: true,
  split: 'seeded (test 0.1, dev 0.1 of the rest)',
  citation: 'Pang & Lee 2005, "Seeing stars", sentence polarity dataset v1.0 (Cornell); research use, no formal licence',
  load(dir, o) {
    const empties = new EmptyTexts();
    // latin-1/cp1252 bytes in the original release
    const train = [
      ...readLineExamples(need(this, dir, 'rt-polarity.neg'), 'negative', empties, 'latin1'),
      ...readLineExamples(need(this, dir, 'rt-polarity.pos'), 'positive', empties, 'latin1'),
    ];
    return assembleDataset({ name: this.name, parts: { train }, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
