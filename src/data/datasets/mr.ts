// MR: Pang & Lee (ACL 2005), sentence polarity dataset v1.0 — the source domain of the SentenceCNN study.
import { oneFilePerLabel } from './line-files.js';

export const mr = oneFilePerLabel(
  {
    name: 'mr',
    description: 'movie-review sentence polarity (MR), 5,331 negative + 5,331 positive sentences; no split, so a seeded stratified 90/10 test split',
    folder: 'mr_rt_polarity',
    files: ['rt-polarity.pos', 'rt-polarity.neg'],
    ships: true,
    citation: 'Pang & Lee 2005, "Seeing stars", sentence polarity dataset v1.0 (Cornell); research use, no formal licence',
  },
  { negative: 'rt-polarity.neg', positive: 'rt-polarity.pos' },
  // latin-1/cp1252 bytes in the original release
  'latin1',
);
