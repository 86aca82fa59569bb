// MPQA opinion polarity: short phrases from the MPQA corpus (Wiebe et al. 2005), as preprocessed for Kim (2014) and SentEval.
import { oneFilePerLabel } from './line-files.js';

export const mpqa = oneFilePerLabel(
  {
    name: 'mpqa',
    description: 'opinion polarity of short phrases (MPQA), 7,292 negative + 3,311 positive, 3 words on average; no split, so a seeded stratified split',
    folder: 'mpqa',
    // a clone of github.com/harvardnlp/sent-conv-torch keeps the line files in data/raw
    folderAliases: ['data/raw', 'raw'],
    files: ['mpqa.pos', 'mpqa.neg'],
    ships: false,
    citation: 'Wiebe, Wilson & Cardie 2005, "Annotating expressions of opinions and emotions in language" (MPQA), phrase files as in Kim 2014 (github.com/harvardnlp/sent-conv-torch data/raw); research use',
  },
  { negative: 'mpqa.neg', positive: 'mpqa.pos' },
);
