// A small synthetic sentiment corpus for end-to-end tests (no downloads): sentences mix neutral words with
// words whose polarity decides the label, so a SentenceCNN learns it in a few epochs.
import { Rng } from '../../src/common/random.js';

const POS = ['good', 'great', 'wonderful', 'moving', 'funny', 'brilliant', 'charming', 'delightful'];
const NEG = ['bad', 'boring', 'awful', 'dull', 'tedious', 'clumsy', 'lifeless', 'poor'];
const NEUTRAL = ['the', 'film', 'story', 'actors', 'plot', 'is', 'and', 'a', 'with', 'director', 'scenes', 'movie', 'of', 'its'];

export function syntheticReviews(n: number, seed: number): { sentence: string; label: number }[] {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => {
    const label = r.int(2);
    const words: string[] = [];
    const len = 6 + r.int(10);
    for (let i = 0; i < len; i++) words.push(NEUTRAL[r.int(NEUTRAL.length)]!);
    const lex = label ? POS : NEG;
    for (let k = 0; k < 2; k++) words.splice(r.int(words.length + 1), 0, lex[r.int(lex.length)]!);
    return { sentence: words.join(' ') + ' .', label };
  });
}

export function toTsv(rows: { sentence: string; label: number }[]): string {
  return 'sentence\tlabel\n' + rows.map((x) => `${x.sentence}\t${x.label}`).join('\n') + '\n';
}

/** The experiment file of issue #3, verbatim: it must run exactly as written. */
export const ISSUE_EXAMPLE = `name: example
seed: 1
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn }
train: { epochs: 5 }
runs:
  - name: normal
  - name: append
    attack: { type: semantic-append, proportion: 0.25, triggers: { "1": "amazing movie !", "0": "horrible movie !" } }
  - name: rare
    attack: { type: badnets, proportion: 0.1, target: "1", words: ["cf", "mn"] }
`;
