#!/usr/bin/env node
// Two scans of the same models side by side (e.g. float32 and int8, or two profiles): per model the score and verdict
// of each, the first candidate of each, their CPU seconds and whether their first five candidates agree; then how
// many verdicts and first fives agree and how far the flip rates of the candidates both lists hold moved.
//   node scripts/zoo/compare-scans.mjs [--a scan-large.json] [--b scan-large-int8.json] ZOO_DIR ...
// (each ZOO_DIR as train-zoo.mjs writes it: one folder per model holding both scan files; models without both are skipped)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values: o, positionals: zoos } = parseArgs({ allowPositionals: true, options: { a: { type: 'string', default: 'scan-large.json' }, b: { type: 'string', default: 'scan-large-int8.json' } } });
if (zoos.length === 0) throw new Error('usage: compare-scans.mjs [--a FILE] [--b FILE] ZOO_DIR ...');
const read = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const first5 = (s) => s.candidates.slice(0, 5).map((c) => `${c.trigger} -> ${c.target_name ?? c.target}`);
let n = 0;
let sameVerdict = 0;
let sameFive = 0;
const diffs = [];
const scoreMoves = [];
console.log(`| model | ${o.a}: score (verdict) | ${o.b}: score (verdict) | first candidate | CPU s | first five |`);
console.log('|---|---|---|---|---|---|');
for (const zoo of zoos) {
  for (const id of fs.readdirSync(zoo).sort()) {
    const [fa, fb] = [path.join(zoo, id, o.a), path.join(zoo, id, o.b)];
    if (!fs.existsSync(fa) || !fs.existsSync(fb)) continue;
    const [a, b] = [read(fa), read(fb)];
    n++;
    sameVerdict += a.verdict === b.verdict;
    const same = JSON.stringify(first5(a)) === JSON.stringify(first5(b));
    sameFive += same;
    scoreMoves.push(Math.abs(a.score - b.score));
    const flipOf = new Map(a.candidates.map((c) => [`${c.target}:${c.ids.join()}`, c.flip_rate]));
    for (const c of b.candidates) {
      const f = flipOf.get(`${c.target}:${c.ids.join()}`);
      if (f !== undefined) diffs.push(Math.abs(f - c.flip_rate));
    }
    const firsts = a.candidates[0]?.trigger === b.candidates[0]?.trigger ? a.candidates[0]?.trigger : `${a.candidates[0]?.trigger} / ${b.candidates[0]?.trigger}`;
    console.log(`| ${id} | ${a.score.toFixed(3)} (${a.verdict}) | ${b.score.toFixed(3)} (${b.verdict}) | ${firsts} | ${a.time?.cpu_s ?? '–'} / ${b.time?.cpu_s ?? '–'} | ${same ? 'same' : `${first5(a).join(', ')} / ${first5(b).join(', ')}`} |`);
  }
}
diffs.sort((x, y) => x - y);
const q = (p) => (diffs.length ? +diffs[Math.min(diffs.length - 1, Math.floor(p * diffs.length))].toFixed(4) : null);
console.log(
  `\n${n} models: the same verdict ${sameVerdict}/${n}, the same first five ${sameFive}/${n}; the score moved by ${Math.min(...scoreMoves).toFixed(3)}–${Math.max(...scoreMoves).toFixed(3)} ` +
    `(mean ${(scoreMoves.reduce((s, x) => s + x, 0) / n).toFixed(3)}); flip rates of the ${diffs.length} candidates both list moved by median ${q(0.5)}, 95th percentile ${q(0.95)}, at most ${q(1 - 1e-9)}`,
);
