// SUBJ: Pang & Lee (ACL 2004) subjectivity dataset v1.0 — IMDB plot sentences vs Rotten Tomatoes snippets.
import { oneFilePerLabel } from './line-files.js';

export const subj = oneFilePerLabel(
  {
    name: 'subj',
    description: 'subjectivity (SUBJ), 5,000 objective + 5,000 subjective sentences; no split, so a seeded stratified split',
    folder: 'subj',
    files: ['subj.objective', 'subj.subjective'],
    ships: false,
    citation: 'Pang & Lee 2004, subjectivity dataset v1.0 (Cornell); research use, no formal licence',
  },
  { objective: 'subj.objective', subjective: 'subj.subjective' },
  'latin1',
);
