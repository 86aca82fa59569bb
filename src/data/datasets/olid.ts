// OLID / OffensEval 2019 sub-task A (Zampieri et al. 2019) as HiddenKiller prepared it: labels " 0"/" 1".
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';
import { readTextLabelTsv } from './text-label-tsv.js';

const OFFENSE = { '0': 'NOT', '1': 'OFF' } as const;

export const olid: NamedDataset = {
  name: 'olid',
  description: 'OLID offensive tweets (OffensEval 2019 task A), train 11,915 / dev 1,323 / test 859 (NOT / OFF)',
  folder: 'olid_offenseval',
  files: ['train.tsv', 'dev.tsv', 'test.tsv'],
  labelNames: ['NOT', 'OFF'],
  ships: false,
  split: 'given',
  citation: 'Zampieri et al. 2019, OLID (OffensEval 2019), splits from HiddenKiller (Qi et al. 2021); research use, check terms before redistribution',
  load(dir, o) {
    const e = new EmptyTexts();
    const read = (f: string) => readTextLabelTsv(need(this, dir, f), OFFENSE, e);
    const parts = { train: read('train.tsv'), dev: read('dev.tsv'), test: read('test.tsv') };
    return assembleDataset({ name: this.name, parts, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
