// TREC question classification (Li & Roth 2002), six coarse classes from the raw "COARSE:fine question" lines.
import { InputError } from '../../common/errors.js';
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import type { RawExample } from '../raw.js';
import { readText, splitLines } from '../read-text.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';

const COARSE = ['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM'];

function readTrec(file: string, e: EmptyTexts): RawExample[] {
  const out: RawExample[] = [];
  for (const l of splitLines(readText(file, 'latin1'))) {
    if (l.text === '') continue;
    const m = /^([A-Z]+):(\S+)\s+(.*)$/.exec(l.text);
    if (!m || !COARSE.includes(m[1]!)) throw new InputError(`expected "COARSE:fine question" with COARSE one of ${COARSE.join(', ')}`, file, l.line);
    const raw = e.example(m[3]!, m[1]!, file, l.line);
    if (raw) out.push(raw);
  }
  return out;
}

export const trec: NamedDataset = {
  name: 'trec',
  description: 'TREC question type (Li & Roth 2002), 6 coarse classes; train 5,452 / test 500, dev carved from train',
  folder: 'trec',
  files: ['TREC.train', 'TREC.test'],
  labelNames: COARSE,
  ships: false,
  split: 'given train/test; dev seeded from train',
  citation: 'Li & Roth 2002, UIUC question classification data; research use, no formal licence',
  load(dir, o) {
    const e = new EmptyTexts();
    // latin-1 bytes in TREC.train
    const parts = { train: readTrec(need(this, dir, 'TREC.train'), e), test: readTrec(need(this, dir, 'TREC.test'), e) };
    return assembleDataset({ name: this.name, parts, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
