// SST-2 sentence-level splits as the textual-backdoor papers use them (Socher et al. 2013; files from
// HiddenKiller, the same sentences as harvardnlp's stsa.binary).
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';
import { readTextLabelTsv } from './text-label-tsv.js';

export const POLARITY = { '0': 'negative', '1': 'positive' } as const;

export const sst2: NamedDataset = {
  name: 'sst2',
  description: 'SST-2 sentences (Socher et al. 2013) with the train/dev/test split backdoor papers use: 6,920 / 872 / 1,821',
  folder: 'sst2_sentence',
  files: ['train.tsv', 'dev.tsv', 'test.tsv'],
  labelNames: ['negative', 'positive'],
  ships: true,
  split: 'given',
  citation: 'Socher et al. 2013, Stanford Sentiment Treebank (binary sentence-level splits as in HiddenKiller); no explicit data licence',
  load(dir, o) {
    const e = new EmptyTexts();
    const read = (f: string) => readTextLabelTsv(need(this, dir, f), POLARITY, e);
    const parts = { train: read('train.tsv'), dev: read('dev.tsv'), test: read('test.tsv') };
    return assembleDataset({ name: this.name, parts, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
