#!/usr/bin/env node
// How the large encoder profile's screen (docs/scanner.md, "Large encoders") ranks an encoder's pieces, and with
// WORDS=1 the shipped word list's words, run alone ([CLS] piece [SEP]) by distance from the clean contexts' mean
// ("toClean") and from the alone representations' mean ("toAlone"), without the one-per-landing rule: the ranks
// of the planted triggers' pieces and words, and of the pieces the full probe sweep uses downstream (its 40 best
// by score, 8 by shift, 8 by spread growth), against the probe sweep's own measures. Run from the repository root
// after `npx tsc -p .`:
//   [WORDS=1] [ENGINE=onnx|onnx-int8|tfjs] node scripts/bert/encoder-screen-ranks.mjs MODEL_DIR [TRIGGER ...]
import fs from 'node:fs';
import path from 'node:path';
import { initEngine } from '../../dist/src/engine/index.js';
import { BertForSequenceClassification } from '../../dist/src/models/bert/index.js';
import { bertRepresenter } from '../../dist/src/defenses/bert-forward.js';
import { WordPieceTokenizer } from '../../dist/src/text/wordpiece.js';
import { loadFileDataset } from '../../dist/src/data/file.js';
import { Rng } from '../../dist/src/common/random.js';

const [dir, ...triggers] = process.argv.slice(2);
const doWords = process.env.WORDS === '1';
await initEngine();
const model = await BertForSequenceClassification.load(dir);
const tok = WordPieceTokenizer.fromDirectory(dir);
const usePooler = !(model.loadReport?.initialized ?? []).some((n) => n.startsWith('pooler.'));
const rep = await bertRepresenter(model, usePooler ? 'pooled' : 'cls', process.env.ENGINE ?? 'onnx');
const H = model.config.hidden_size;
const V = model.config.vocab_size;
const ds = loadFileDataset({ path: 'assets/data/sst2_sentence/dev.tsv', label: null, test: 0, dev: 0 });
const texts = ds.train.map((e) => e.text).slice(0, 32);
const seqs = texts.map((t) => Array.from(tok.encode(t, null, { truncation: true, maxLength: 59 }).ids));
const rng = new Rng(0).fork('positions');
const randomPos = seqs.map((s) => 1 + rng.int(Math.max(1, s.length - 1)));
const run = async (ss) => {
  const out = new Float32Array(ss.length * H);
  for (let i = 0; i < ss.length; i += 512) out.set(await rep.run(ss.slice(i, i + 512)), i * H);
  return out;
};
function stats(r, n) {
  const mean = new Float64Array(H);
  for (let i = 0; i < n; i++) for (let d = 0; d < H; d++) mean[d] += r[i * H + d] / n;
  let v = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < H; d++) v += (r[i * H + d] - mean[d]) ** 2 / n;
  return { mean, spread: Math.sqrt(v) };
}
const cleanR = await run(seqs);
const clean = stats(cleanR, seqs.length);
const probes = seqs.map((s, i) => ({ s, i })).sort((a, b) => a.s.length - b.s.length || a.i - b.i).slice(0, 4).map((x) => x.i);
console.log('probe lengths', probes.map((i) => seqs[i].length), 'clean spread', clean.spread.toFixed(3));
const special = (id) => /^\[[A-Za-z0-9_]+\]$/.test(tok.idToToken[id] ?? '[x]');
const pieces = tok.idToToken.map((_, i) => i).filter((i) => i < V && !special(i));
const insert = (i, pl, ids) => {
  const p = pl === 'start' ? 1 : randomPos[i];
  return [...seqs[i].slice(0, p), ...ids, ...seqs[i].slice(p)];
};
async function sweep(cands, on) {
  const out = [];
  const chunk = Math.floor(4096 / (on.length * 2));
  for (let c0 = 0; c0 < cands.length; c0 += chunk) {
    const cs = cands.slice(c0, c0 + chunk);
    const r = await run(cs.flatMap((c) => ['random', 'start'].flatMap((pl) => on.map((i) => insert(i, pl, c)))));
    cs.forEach((c, ci) => {
      let best = null;
      for (let pi = 0; pi < 2; pi++) {
        const o = (ci * 2 + pi) * on.length * H;
        const s = stats(r.subarray(o, o + on.length * H), on.length);
        let d = 0;
        for (let x = 0; x < H; x++) d += (s.mean[x] - clean.mean[x]) ** 2;
        const shift = Math.sqrt(d) / clean.spread;
        const collapse = 1 - s.spread / clean.spread;
        const score = shift * Math.max(0, collapse);
        if (!best || score > best.score || (score === best.score && shift > best.shift)) best = { shift, collapse, score };
      }
      out.push(best);
    });
  }
  return out;
}
async function alone(cands) {
  const r = await run(cands.map((c) => [tok.clsId ?? 101, ...c, tok.sepId ?? 102]));
  const all = stats(r, cands.length);
  return cands.map((_, i) => {
    let dc = 0, da = 0;
    for (let x = 0; x < H; x++) {
      dc += (r[i * H + x] - clean.mean[x]) ** 2;
      da += (r[i * H + x] - all.mean[x]) ** 2;
    }
    return { toClean: Math.sqrt(dc) / clean.spread, toAlone: Math.sqrt(da) / all.spread };
  });
}
function report(label, cands, sw, al) {
  const n = cands.length;
  const rankBy = (key) => {
    const order = [...Array(n).keys()].sort((a, b) => key(b) - key(a));
    const rank = new Int32Array(n);
    order.forEach((c, r) => (rank[c] = r + 1));
    return rank;
  };
  const screens = { toClean: rankBy((i) => al[i].toClean), toAlone: rankBy((i) => al[i].toAlone) };
  const used = {
    score40: [...Array(n).keys()].sort((a, b) => sw[b].score - sw[a].score).slice(0, 40),
    shift8: [...Array(n).keys()].sort((a, b) => sw[b].shift - sw[a].shift).slice(0, 8),
    negcol8: [...Array(n).keys()].sort((a, b) => sw[a].collapse - sw[b].collapse).slice(0, 8),
  };
  for (const [u, idx] of Object.entries(used)) {
    for (const [s, rank] of Object.entries(screens)) {
      const rs = idx.map((i) => rank[i]).sort((a, b) => a - b);
      console.log(`${label} ${u} by ${s}: worst ${rs[rs.length - 1]}, 90% ${rs[Math.floor(rs.length * 0.9) - 1] ?? rs[rs.length - 1]}, median ${rs[rs.length >> 1]}; worst: ${idx.sort((a, b) => rank[b] - rank[a]).slice(0, 3).map((i) => `${cands[i].map((id) => tok.idToToken[id]).join(' ')}(${rank[i]})`).join(', ')}`);
    }
  }
  return screens;
}
const t0 = performance.now();
const al = await alone(pieces.map((p) => [p]));
const tAlone = (performance.now() - t0) / 1000;
const sw = await sweep(pieces.map((p) => [p]), probes);
const tSweep = (performance.now() - t0) / 1000 - tAlone;
console.log(`pieces ${pieces.length}: alone ${tAlone.toFixed(1)} s, sweep ${tSweep.toFixed(1)} s`);
const screens = report('piece', pieces.map((p) => [p]), sw, al);
for (const t of triggers) {
  const ids = Array.from(tok.encode(t, null).ids).slice(1, -1);
  for (const id of ids) {
    const i = pieces.indexOf(id);
    console.log(`  trigger ${t} piece ${tok.idToToken[id]}: toClean rank ${screens.toClean[i]}, toAlone rank ${screens.toAlone[i]}; sweep score ${sw[i].score.toFixed(1)} shift ${sw[i].shift.toFixed(1)} collapse ${sw[i].collapse.toFixed(2)}`);
  }
}
if (doWords) {
  const words = fs.readFileSync('assets/vectors/glove.6B.100d.datasets.words.txt', 'utf8').split('\n').map((w) => w.trim()).filter(Boolean);
  const seen = new Set();
  const wseqs = [];
  for (const w of words) {
    const ids = Array.from(tok.encode(w, null).ids).slice(1, -1);
    if (ids.length < 2 || ids.length > 5 || ids.some(special) || seen.has(ids.join())) continue;
    seen.add(ids.join());
    wseqs.push(ids);
  }
  const t1 = performance.now();
  const wal = await alone(wseqs);
  const ta = (performance.now() - t1) / 1000;
  const wsw = await sweep(wseqs, probes.slice(0, 2));
  console.log(`words ${wseqs.length}: alone ${ta.toFixed(1)} s, sweep ${((performance.now() - t1) / 1000 - ta).toFixed(1)} s`);
  const ws = report('word', wseqs, wsw, wal);
  for (const t of triggers) {
    const ids = Array.from(tok.encode(t, null).ids).slice(1, -1).join();
    const i = wseqs.findIndex((s) => s.join() === ids);
    if (i >= 0) console.log(`  trigger word ${t}: toClean rank ${ws.toClean[i]}, toAlone ${ws.toAlone[i]}; sweep score ${wsw[i].score.toFixed(1)} shift ${wsw[i].shift.toFixed(1)} collapse ${wsw[i].collapse.toFixed(2)}`);
  }
}
await rep.dispose();
