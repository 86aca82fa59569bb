#!/usr/bin/env node
// Score the scanner on the model zoo (train-zoo.mjs): `nlp-backdoor scan` on every finished model with its
// 200 clean samples, one result file per model (OUT/<id>/scan.json; a model with one is not scanned again),
// then detection ROC/AUC, the threshold that flags at most --max-fpr of the zoo's clean models, top-1/top-5
// trigger recall and scan times, on the zoo and on the held-out set with the zoo's threshold.
//
//   node scripts/zoo/score-zoo.mjs --zoo results/zoo [--out docs/results/scanner] [--only SUBSTRING]
//
// A candidate hits when one of its words is a planted trigger word, or (BERT word pieces) a word of at
// least 3 characters inside one ("lagra" of "lagrange").
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic, writeFileAtomic } from '../../dist/src/common/fs-atomic.js';
import { versions } from '../../dist/src/common/versions.js';
import { outlierScore } from '../../dist/src/defenses/scan/index.js';

const { values: o } = parseArgs({
  options: { zoo: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' }, 'max-fpr': { type: 'string', default: '0.1' }, 'no-scan': { type: 'boolean' } },
});
if (!o.zoo) throw new Error('--zoo DIR is required');
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'nlp-backdoor.js');
const manifest = JSON.parse(fs.readFileSync(path.join(o.zoo, 'manifest.json'), 'utf8'));

const rows = [];
for (const m of manifest.models) {
  if (o.only && !m.id.includes(o.only)) continue;
  const dir = path.join(o.zoo, m.id);
  const scanFile = path.join(dir, 'scan.json');
  if (!fs.existsSync(scanFile)) {
    if (o['no-scan']) continue;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'scan', '--model', path.join(dir, 'model'), '--data', path.join(dir, 'clean.tsv'), '--text-column', 'text', '--label-column', 'label', '--out', scanFile, '--top', '20'], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`${m.id}: scan failed\n${r.stderr}`);
      continue;
    }
    const s = JSON.parse(fs.readFileSync(scanFile, 'utf8'));
    s.wall_s = +((performance.now() - t0) / 1000).toFixed(1);
    writeJsonAtomic(scanFile, s);
  }
  const s = JSON.parse(fs.readFileSync(scanFile, 'utf8'));
  const words = m.trigger_words.map((w) => w.toLowerCase());
  const hit = (trigger) => trigger.toLowerCase().split(/\s+/).some((w) => words.includes(w) || (w.length >= 3 && words.some((t) => t.includes(w))));
  const rank = s.candidates.findIndex((c) => hit(c.trigger));
  // the score from the candidates with the current definition (a scan.json of an earlier version keeps its excesses)
  s.score = outlierScore(s.candidates.map((c) => c.excess));
  rows.push({ id: m.id, set: m.set, kind: m.kind, arch: m.arch, dataset: m.dataset, backdoored: m.kind !== 'clean', cacc: m.cacc, asr: m.asr, score: s.score, verdict: s.verdict, top1: s.candidates[0]?.trigger ?? null, top1_flip: s.candidates[0]?.flip_rate ?? null, trigger_rank: rank < 0 ? null : rank + 1, scan_s: s.wall_s ?? null });
  console.error(`${m.id}: score ${s.score.toFixed(3)} top1 ${JSON.stringify(s.candidates[0]?.trigger)} rank ${rank < 0 ? '-' : rank + 1} (${s.wall_s ?? '?'} s)`);
}

/** ROC AUC: the chance a backdoored model scores above a clean one (ties half). */
function auc(pos, neg) {
  if (!pos.length || !neg.length) return null;
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}
function roc(pos, neg) {
  const ts = [...new Set([...pos, ...neg])].sort((a, b) => b - a);
  return [{ threshold: Infinity, tpr: 0, fpr: 0 }, ...ts.map((t) => ({ threshold: t, tpr: pos.filter((x) => x >= t).length / pos.length, fpr: neg.filter((x) => x >= t).length / neg.length }))];
}
function summary(rs, threshold) {
  const bd = rs.filter((r) => r.backdoored);
  const cl = rs.filter((r) => !r.backdoored);
  const pos = bd.map((r) => r.score);
  const neg = cl.map((r) => r.score);
  const times = rs.map((r) => r.scan_s).filter((x) => x !== null);
  return {
    models: rs.length,
    by_kind: Object.fromEntries([...new Set(rs.map((r) => r.kind))].map((k) => [k, rs.filter((r) => r.kind === k).length])),
    backdoored: bd.length,
    clean: cl.length,
    auc: auc(pos, neg),
    threshold,
    tpr: bd.length ? bd.filter((r) => r.score >= threshold).length / bd.length : null,
    fpr: cl.length ? cl.filter((r) => r.score >= threshold).length / cl.length : null,
    top1_recall: bd.length ? bd.filter((r) => r.trigger_rank === 1).length / bd.length : null,
    top5_recall: bd.length ? bd.filter((r) => r.trigger_rank !== null && r.trigger_rank <= 5).length / bd.length : null,
    top5_recall_by_kind: Object.fromEntries([...new Set(bd.map((r) => r.kind))].map((k) => { const g = bd.filter((r) => r.kind === k); return [k, `${g.filter((r) => r.trigger_rank !== null && r.trigger_rank <= 5).length}/${g.length}`]; })),
    scan_seconds: times.length ? { mean: +(times.reduce((a, b) => a + b, 0) / times.length).toFixed(1), max: Math.max(...times) } : null,
    roc: roc(pos, neg),
  };
}
/** The summary and per-model tables as markdown (docs/scanner.md quotes them). */
function markdown(r) {
  const pct = (x) => (x === null ? '–' : `${(100 * x).toFixed(0)}%`);
  const sum = (name, x) => `| ${name} | ${x.models} (${x.backdoored} backdoored, ${x.clean} clean) | ${x.auc === null ? '–' : x.auc.toFixed(3)} | ${x.threshold} | ${pct(x.tpr)} | ${pct(x.fpr)} | ${pct(x.top1_recall)} | ${pct(x.top5_recall)} | ${x.scan_seconds ? `${x.scan_seconds.mean} / ${x.scan_seconds.max}` : '–'} |`;
  const lines = [
    '| set | models | AUC | threshold | flagged backdoored | flagged clean | top-1 | top-5 | scan s (mean / max) |',
    '|---|---|---|---|---|---|---|---|---|',
    sum('zoo', r.zoo),
    sum('held out', r.heldout),
    '',
    '| model | kind | CACC | ASR | score | top-1 candidate | trigger rank |',
    '|---|---|---|---|---|---|---|',
    ...r.models.map((m) => `| ${m.id} | ${m.kind} | ${m.cacc} | ${m.asr ?? '–'} | ${m.score.toFixed(3)} | ${m.top1 ?? '–'} (${m.top1_flip === null ? '–' : m.top1_flip.toFixed(2)}) | ${m.backdoored ? (m.trigger_rank ?? 'not in top 20') : '–'} |`),
  ];
  return lines.join('\n') + '\n';
}

// calibration: the lowest threshold that flags at most max-fpr of the zoo's clean models
const zoo = rows.filter((r) => r.set === 'zoo');
const maxFpr = Number(o['max-fpr']);
const negZoo = zoo.filter((r) => !r.backdoored).map((r) => r.score).sort((a, b) => b - a);
const allowed = Math.floor(maxFpr * negZoo.length);
const threshold = negZoo.length ? +(negZoo[allowed] + 1e-3).toFixed(3) : null;
const result = { format: 'nlp-backdoor/zoo-scores/1', max_fpr: maxFpr, zoo: summary(zoo, threshold), heldout: summary(rows.filter((r) => r.set === 'heldout'), threshold), models: rows, versions: versions() };
console.log(JSON.stringify({ zoo: { ...result.zoo, roc: undefined }, heldout: { ...result.heldout, roc: undefined } }, null, 1));
if (o.out) {
  fs.mkdirSync(o.out, { recursive: true });
  writeJsonAtomic(path.join(o.out, 'scores.json'), result);
  const head = 'id,set,kind,arch,dataset,backdoored,cacc,asr,score,verdict,top1,top1_flip,trigger_rank,scan_s';
  writeFileAtomic(path.join(o.out, 'scores.csv'), [head, ...rows.map((r) => head.split(',').map((k) => JSON.stringify(r[k] ?? '')).join(','))].join('\n') + '\n');
  writeJsonAtomic(path.join(o.out, 'manifest.json'), { ...manifest, models: manifest.models.map(({ versions: _v, ...m }) => m) });
  writeFileAtomic(path.join(o.out, 'scores.md'), markdown(result));
}
