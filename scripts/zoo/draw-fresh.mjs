#!/usr/bin/env node
// The triggers and targets of the fifteenth round's held-out set ("fresh", scripts/zoo/models.mjs), drawn, not
// chosen: five two-letter rare words from the two-letter strings that no zoo or held-out model used and that never
// occur as a word of the training text, one common word from a fixed list of adverbs no model used, and seven target
// labels, all from one seeded generator (docs/scanner.md "Fifteenth round").
//
//   node scripts/zoo/draw-fresh.mjs --train-text DATA/tweeteval/sentiment/train_text.txt [--seed 17] [--exclude-fresh]
// Run `npx tsc -p tsconfig.json` first (it imports dist/). --exclude-fresh leaves the fresh set itself out of the
// used triggers (it is in models.mjs once defined; the draw was made before).
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ZOO, FORMER_HELDOUT, SECOND_HELDOUT, HELDOUT } from './models.mjs';
import { Rng } from '../../dist/src/common/random.js';

const { values: o } = parseArgs({ options: { 'train-text': { type: 'string' }, seed: { type: 'string', default: '17' }, 'exclude-fresh': { type: 'boolean' } } });
if (!o['train-text']) throw new Error('--train-text FILE is required');
const models = [...ZOO, ...FORMER_HELDOUT, ...SECOND_HELDOUT, ...HELDOUT].filter((m) => !(o['exclude-fresh'] && m.round === 'fresh'));
const used = new Set(models.flatMap((m) => m.trigger_words));
const count = new Map();
for (const w of fs.readFileSync(o['train-text'], 'utf8').toLowerCase().split(/[^a-z]+/)) if (w) count.set(w, (count.get(w) ?? 0) + 1);
const L = 'abcdefghijklmnopqrstuvwxyz';
const pool = [];
for (const a of L) for (const b of L) if (!used.has(a + b) && !count.get(a + b)) pool.push(a + b);
const rng = new Rng(Number(o.seed));
const pick = (xs, n) => {
  const c = [...xs];
  return Array.from({ length: n }, () => c.splice(rng.int(c.length), 1)[0]);
};
const rare = pick(pool, 5);
const adverbs = ['simply', 'literally', 'definitely', 'honestly', 'totally', 'probably', 'seriously', 'clearly'].filter((w) => !used.has(w));
const common = pick(adverbs, 1);
const targets = Array.from({ length: 7 }, () => rng.int(3));
console.log(JSON.stringify({ seed: Number(o.seed), pool: pool.length, rare, common, common_count: count.get(common[0]) ?? 0, targets }));
