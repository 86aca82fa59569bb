// SUBJ: Pang & Lee (ACL 2004) subjectivity dataset v1.0 — IMDB plot sentences vs Rotten Tomatoes snippets.
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { readLineExamples } from '../lines.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';

export const subj: NamedDataset = {
  name: 'subj',
  description: 'subjectivity (SUBJ), 5,000 objective + 5,000 subjective sentences; no split, so a seeded stratified split',
  folder: 'subj',
  files: ['subj.objective', 'subj.subjective'],
  labelNames: ['objective', 'subjective'],
  ships: false,
  split: 'seeded (test 0.1, dev 0.1 of the rest)',
  citation: 'Pang & Lee 2004, subjectivity dataset v1.0 (Cornell); research use, no formal licence',
  load(dir, o) {
    const e = new EmptyTexts();
    const train = [
      ...readLineExamples(need(this, dir, 'subj.objective'), 'objective', e, 'latin1'),
      ...readLineExamples(need(this, dir, 'subj.subjective'), 'subjective', e, 'latin1'),
    ];
    return assembleDataset({ name: this.name, parts: { train }, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
