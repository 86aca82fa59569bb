// Sentiment140 (Go, Bhayani & Huang 2009), a 50,000 + 50,000 tweet sample: the study's Twitter target.
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { readLineExamples } from '../lines.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';

export const twitter: NamedDataset = {
  name: 'twitter',
  description: 'Sentiment140 tweets, a 50,000 negative + 50,000 positive sample; no split, so a seeded stratified split',
  folder: 'sentiment140_100k',
  files: ['negative.txt', 'positive.txt'],
  labelNames: ['negative', 'positive'],
  ships: false,
  split: 'seeded (test 0.1, dev 0.1 of the rest)',
  citation: 'Go, Bhayani & Huang 2009, Sentiment140 (sample of 100,000 tweets); research use',
  load(dir, o) {
    const e = new EmptyTexts();
    const train = [
      ...readLineExamples(need(this, dir, 'negative.txt'), 'negative', e),
      ...readLineExamples(need(this, dir, 'positive.txt'), 'positive', e),
    ];
    return assembleDataset({ name: this.name, parts: { train }, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
