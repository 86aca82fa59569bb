// Sentiment140 (Go, Bhayani & Huang 2009), a 50,000 + 50,000 tweet sample: the study's Twitter target.
import { oneFilePerLabel } from './line-files.js';

export const twitter = oneFilePerLabel(
  {
    name: 'twitter',
    description: 'Sentiment140 tweets, a 50,000 negative + 50,000 positive sample; no split, so a seeded stratified split',
    folder: 'sentiment140_100k',
    files: ['negative.txt', 'positive.txt'],
    ships: false,
    citation: 'Go, Bhayani & Huang 2009, Sentiment140 (sample of 100,000 tweets); research use',
  },
  { negative: 'negative.txt', positive: 'positive.txt' },
);
