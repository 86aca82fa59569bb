// A small sweep for store, worker and queue tests: 3 proportions × 2 seeds of the example, cut down
// to train in about a second a run; and the outcome lines of a result store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STORE_FILE, type Outcome } from '../../src/experiments/store.js';

export const smallSweep = (name: string, epochs: number): string => `name: ${name}
seeds: [1, 2]
dataset: { path: reviews.tsv, format: tsv, text: sentence, label: label, test: 0.2 }
model: { type: cnn, numFilters: 8 }
train: { epochs: ${epochs}, patience: 0 }
runs:
  - name: append
    attack: { type: semantic-append, triggers: { "1": "amazing movie !", "0": "horrible movie !" } }
    sweep: { attack.proportion: [0.05, 0.1, 0.25] }
`;

/** The outcome lines of DIR/store.jsonl (after its header), in the order written. */
export const storeLines = (out: string): Outcome[] =>
  fs
    .readFileSync(path.join(out, STORE_FILE), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Outcome);
