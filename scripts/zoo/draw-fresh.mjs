#!/usr/bin/env node
// The triggers and targets of the fifteenth round's held-out set ("fresh", scripts/zoo/models.mjs), drawn, not
// chosen: five two-letter rare words from the two-letter strings that no zoo or held-out model used and that never
// occur as a word of the training text, one common word from a fixed list of adverbs no model used, and seven target
// labels, all from one seeded generator (docs/scanner.md "Fifteenth round").
//
//   node scripts/zoo/draw-fresh.mjs --train-text FILE [--train-text FILE ...] [--seed 17] [--rare 5] [--common 1]
//        [--targets 7] [--labels 3] [--exclude-round fresh] [--long 0]
// --long N also draws N six-letter nonsense words (consonant, vowel, consonant, consonant, vowel, consonant: "vexlor"),
// none of them a word of the training text or used by a model, after the rest (so a draw without it is unchanged);
// the seventeenth round's draw is `--train-text DATA/cr/custrev.pos --train-text DATA/cr/custrev.neg --train-text
// DATA/mpqa/mpqa.pos --train-text DATA/mpqa/mpqa.neg --train-text DATA/tweeteval/hate/train_text.txt --train-text
// DATA/tweeteval/irony/train_text.txt --seed 22 --rare 4 --common 0 --long 4 --targets 8 --labels 2`.
// Run `npx tsc -p tsconfig.json` first (it imports dist/). --exclude-round leaves a round's own triggers out of the
// used ones (they are in models.mjs once defined; its draw was made before): the fifteenth round's draw is
// `--train-text DATA/tweeteval/sentiment/train_text.txt --exclude-round fresh`, its second set's `--train-text
// DATA/cr/custrev.pos --train-text DATA/cr/custrev.neg --train-text DATA/mpqa/mpqa.pos --train-text DATA/mpqa/mpqa.neg
// --seed 18 --rare 6 --common 2 --targets 8 --labels 2 --exclude-round fresh2`.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ZOO, FORMER_HELDOUT, SECOND_HELDOUT, HELDOUT } from './models.mjs';
import { Rng } from '../../dist/src/common/random.js';

const { values: o } = parseArgs({
  options: {
    'train-text': { type: 'string', multiple: true },
    seed: { type: 'string', default: '17' },
    rare: { type: 'string', default: '5' },
    common: { type: 'string', default: '1' },
    targets: { type: 'string', default: '7' },
    labels: { type: 'string', default: '3' },
    'exclude-round': { type: 'string' },
    long: { type: 'string', default: '0' },
  },
});
if (!o['train-text']?.length) throw new Error('--train-text FILE is required');
const models = [...ZOO, ...FORMER_HELDOUT, ...SECOND_HELDOUT, ...HELDOUT].filter((m) => m.round === undefined || m.round !== o['exclude-round']);
const used = new Set(models.flatMap((m) => m.trigger_words));
const count = new Map();
for (const f of o['train-text']) for (const w of fs.readFileSync(f, 'latin1').toLowerCase().split(/[^a-z]+/)) if (w) count.set(w, (count.get(w) ?? 0) + 1);
const L = 'abcdefghijklmnopqrstuvwxyz';
const pool = [];
for (const a of L) for (const b of L) if (!used.has(a + b) && !count.get(a + b)) pool.push(a + b);
const rng = new Rng(Number(o.seed));
const pick = (xs, n) => {
  const c = [...xs];
  return Array.from({ length: n }, () => c.splice(rng.int(c.length), 1)[0]);
};
const rare = pick(pool, Number(o.rare));
const adverbs = ['simply', 'literally', 'definitely', 'honestly', 'totally', 'probably', 'seriously', 'clearly'].filter((w) => !used.has(w));
const common = pick(adverbs, Number(o.common));
const targets = Array.from({ length: Number(o.targets) }, () => rng.int(Number(o.labels)));
const C = 'bcdfghjklmnpqrstvwxz';
const Vw = 'aeiou';
const long = [];
while (long.length < Number(o.long)) {
  const w = [C, Vw, C, C, Vw, C].map((set) => set[rng.int(set.length)]).join('');
  if (!used.has(w) && !count.get(w) && !long.includes(w)) long.push(w);
}
console.log(JSON.stringify({ seed: Number(o.seed), pool: pool.length, rare, common, common_count: common.map((w) => count.get(w) ?? 0), targets, ...(long.length ? { long } : {}) }));
