// CR: Hu & Liu (KDD 2004) customer reviews, one sentence per line, as preprocessed for Kim (2014) and SentEval.
import { oneFilePerLabel } from './line-files.js';

export const cr = oneFilePerLabel(
  {
    name: 'cr',
    description: 'customer-review sentence polarity (CR: cameras, MP3 players, ...), 1,366 negative + 2,405 positive sentences; no split, so a seeded stratified split',
    folder: 'cr',
    // a clone of github.com/harvardnlp/sent-conv-torch keeps the line files in data/raw
    folderAliases: ['data/raw', 'raw'],
    files: ['custrev.pos', 'custrev.neg'],
    ships: false,
    citation: 'Hu & Liu 2004, "Mining and summarizing customer reviews" (KDD), sentence files as in Kim 2014 (github.com/harvardnlp/sent-conv-torch data/raw); research use',
  },
  { negative: 'custrev.neg', positive: 'custrev.pos' },
);
