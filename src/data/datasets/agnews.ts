// AG News (Zhang, Zhao & LeCun 2015, from Gulli's AG corpus): CSV "class,title,description" with classes
// 1-4. The stored snapshot lacks train.csv (29 MB); its training data is HiddenKiller's dev.tsv, 10,000
// lowercased examples sampled from AG's train with classes 0-3, from which we carve train and dev.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../common/errors.js';
import { assembleDataset, type RawParts } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import type { RawExample } from '../raw.js';
import { readTable } from '../table.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';
import { readTextLabelTsv } from './text-label-tsv.js';

const TOPICS = ['World', 'Sports', 'Business', 'Sci/Tech'];
const FROM_ONE = Object.fromEntries(TOPICS.map((t, i) => [String(i + 1), t]));
const FROM_ZERO = Object.fromEntries(TOPICS.map((t, i) => [String(i), t]));

function readAgCsv(file: string, e: EmptyTexts): RawExample[] {
  const { rows } = readTable(file, 'csv', { header: false });
  // the Kaggle copy has a "Class Index,Title,Description" header, Zhang et al.'s original has none
  const body = /^\d+$/.test(rows[0]!.fields[0]!.trim()) ? rows : rows.slice(1);
  const out: RawExample[] = [];
  for (const row of body) {
    if (row.fields.length !== 3) throw new InputError(`expected 3 fields (class, title, description), got ${row.fields.length}`, file, row.line);
    const [cls, title, description] = row.fields as [string, string, string];
    const raw = e.example(`${title.trim()} ${description.trim()}`, FROM_ONE[cls.trim()] ?? cls.trim(), file, row.line);
    if (raw) out.push(raw);
  }
  return out;
}

export const agnews: NamedDataset = {
  name: 'agnews',
  description: 'AG News topics (World, Sports, Business, Sci/Tech): test 7,600; train/dev from train.csv when present, else carved from HiddenKiller\'s 10,000-example dev.tsv',
  folder: 'ag_news',
  files: ['test.csv', 'train.csv or hiddenkiller_clean/dev.tsv'],
  labelNames: TOPICS,
  ships: false,
  split: 'given test; dev seeded from the training data',
  citation: 'Zhang, Zhao & LeCun 2015 (char-CNN AG News, from Gulli\'s AG corpus); hiddenkiller_clean/dev.tsv from Qi et al. 2021 (HiddenKiller); non-commercial research use',
  load(dir, o) {
    const e = new EmptyTexts();
    const test = readAgCsv(need(this, dir, 'test.csv'), e);
    const trainCsv = path.join(dir, 'train.csv');
    let parts: RawParts;
    let trainFrom = 'train.csv';
    if (fs.existsSync(trainCsv)) {
      parts = { train: readAgCsv(trainCsv, e), test };
    } else {
      trainFrom = 'hiddenkiller_clean/dev.tsv';
      parts = { train: readTextLabelTsv(need(this, dir, trainFrom), FROM_ZERO, e), test };
    }
    return assembleDataset({ name: this.name, parts, labelNames: this.labelNames, provenance: provenanceOf(this, dir), trainFrom, ...o });
  },
};
