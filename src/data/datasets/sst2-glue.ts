// SST-2 as GLUE releases it: phrase-level train (67,349), sentence-level dev. GLUE's test.tsv has no
// labels; test-labeled.tsv carries labels added by a third party, used when present.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assembleDataset, type RawParts } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';
import { POLARITY } from './sst2.js';
import { readTextLabelTsv } from './text-label-tsv.js';

export const sst2Glue: NamedDataset = {
  name: 'sst2-glue',
  description: 'SST-2 as released in GLUE: phrase-level train 67,349, dev 872, test 1,821 (unofficial labels from test-labeled.tsv)',
  folder: 'sst2_glue',
  files: ['dev.tsv', 'train_full.tsv (or GLUE train.tsv)', 'test-labeled.tsv (optional)'],
  labelNames: ['negative', 'positive'],
  ships: false,
  split: 'given (test carved from train when test-labeled.tsv is absent)',
  citation: 'Socher et al. 2013, Stanford Sentiment Treebank, as redistributed by GLUE (Wang et al. 2018); test labels unofficial',
  load(dir, o) {
    const e = new EmptyTexts();
    const read = (f: string) => readTextLabelTsv(f, POLARITY, e);
    // the GLUE download names the full train train.tsv; the snapshot we know keeps it as train_full.tsv
    const trainFile = fs.existsSync(path.join(dir, 'train_full.tsv')) ? path.join(dir, 'train_full.tsv') : need(this, dir, 'train.tsv');
    const parts: RawParts = { train: read(trainFile), dev: read(need(this, dir, 'dev.tsv')) };
    const labeledTest = path.join(dir, 'test-labeled.tsv');
    if (fs.existsSync(labeledTest)) parts.test = read(labeledTest);
    return assembleDataset({ name: this.name, parts, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
