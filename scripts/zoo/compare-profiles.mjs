#!/usr/bin/env node
// Two scan profiles of the same models (e.g. large and quick, both int8): per model the planted trigger's rank (the
// hit rule of score-zoo.mjs, from its scores.json), the word score and the verdict of each scan (scan.json's, at the
// thresholds the scan used), and the CPU seconds; then each profile's trigger-in-top-5 count, backdoors and clean
// models flagged, and the hits one has and the other lacks (docs/scanner.md, "The quick profile").
//   node scripts/zoo/compare-profiles.mjs [--a large] [--b quick] [--suffix -int8] ZOO_DIR SCORES_A SCORES_B [ZOO_DIR SCORES_A SCORES_B ...]
// ZOO_DIR: train-zoo.mjs's output, each model's folder holding scan-<a><suffix>.json and scan-<b><suffix>.json;
// SCORES_A, SCORES_B: the --out folders of score-zoo.mjs --profile a|b for that ZOO_DIR.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values: o, positionals: args } = parseArgs({ allowPositionals: true, options: { a: { type: 'string', default: 'large' }, b: { type: 'string', default: 'quick' }, suffix: { type: 'string', default: '-int8' } } });
if (args.length === 0 || args.length % 3 !== 0) throw new Error('usage: compare-profiles.mjs [--a P] [--b P] [--suffix S] ZOO_DIR SCORES_A SCORES_B ...');
const rows = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'scores.json'), 'utf8')).models;
const hit = (r) => r.trigger_rank != null && r.trigger_rank <= 5;
const tot = Object.fromEntries([o.a, o.b].map((k) => [k, { hit: 0, flagB: 0, flagC: 0, cpu: [] }]));
let nB = 0;
let nC = 0;
const only = { [o.a]: [], [o.b]: [] };
console.log(`| model | ${o.a}: rank, score (verdict) | ${o.b}: rank, score (verdict) | CPU s ${o.a} / ${o.b} |`);
console.log('|---|---|---|---|');
for (let i = 0; i < args.length; i += 3) {
  const [zoo, da, db] = args.slice(i, i + 3);
  const B = rows(db);
  for (const ra of rows(da)) {
    const rb = B.find((x) => x.id === ra.id);
    if (!rb) continue;
    const bd = ra.backdoored;
    if (bd && !ra.effective) continue;
    const scans = [o.a, o.b].map((p) => JSON.parse(fs.readFileSync(path.join(zoo, ra.id, `scan-${p}${o.suffix}.json`), 'utf8')));
    bd ? nB++ : nC++;
    [ra, rb].forEach((r, k) => {
      const t = tot[[o.a, o.b][k]];
      t.hit += bd && hit(r);
      t.cpu.push(r.cpu_s);
      if (scans[k].verdict === 'backdoored') bd ? t.flagB++ : t.flagC++;
    });
    if (bd && hit(ra) && !hit(rb)) only[o.a].push(ra.id);
    if (bd && hit(rb) && !hit(ra)) only[o.b].push(ra.id);
    const f = (r, s) => `${r.trigger_rank ?? (bd ? '–' : 'clean')}, ${s.score.toFixed(3)} (${s.verdict})`;
    console.log(`| ${ra.id} | ${f(ra, scans[0])} | ${f(rb, scans[1])} | ${ra.cpu_s} / ${rb.cpu_s} |`);
  }
}
const mean = (a) => (a.reduce((x, y) => x + y, 0) / a.length).toFixed(1);
console.log('');
for (const k of [o.a, o.b]) console.log(`- ${k}: trigger in the top 5 ${tot[k].hit}/${nB}, backdoors flagged ${tot[k].flagB}/${nB}, clean models flagged ${tot[k].flagC}/${nC}, CPU s per scan mean ${mean(tot[k].cpu)}, largest ${Math.max(...tot[k].cpu)}`);
console.log(`- hits only ${o.a} has: ${only[o.a].join(', ') || 'none'}; only ${o.b} has: ${only[o.b].join(', ') || 'none'}`);
