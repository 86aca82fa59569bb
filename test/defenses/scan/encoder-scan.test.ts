// The encoder scanner on tiny BERTs injected here with POR (src/train/inject.ts): with single-piece triggers
// (cf, mn, bb) its best candidate is one of them, with a collapsed representation, and the clean encoder it
// came from scores far lower; a trigger the model learned only as two pieces ("cf cf") is reported as the pair;
// onnxruntime and tfjs forward passes agree. The signature arithmetic by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../../../src/engine/index.js';
import { Rng } from '../../../src/common/random.js';
import { injectBackdoor } from '../../../src/train/inject.js';
import { por } from '../../../src/attacks/pretrained/index.js';
import { scanEncoder, signature, meaningExcess, cleanGap, screenKeep, GAP_NEIGHBOUR } from '../../../src/defenses/scan/index.js';
import { WordPieceTokenizer } from '../../../src/text/wordpiece.js';
import { WordVectors } from '../../../src/text/vectors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TINY = path.resolve(here, '../../../../test/fixtures/bert/tiny');

before(async () => {
  await initEngine();
});

// the tiny encoder injected with POR (triggers cf, mn, bb; 60 steps), shared by the tests that read it
let porTiny: Promise<string> | null = null;
const porEncoder = (): Promise<string> =>
  (porTiny ??= (async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-encoder-'));
    await injectBackdoor({ model: TINY, recipe: por({ triggers: ['cf', 'mn', 'bb'], hidden: 32 }), corpus: { lines: corpus(200, 3), sources: ['generated'] }, out, steps: 60, clean: 4, poisoned: 6, chunkWords: 8, maxLen: 32, lr: 3e-3, logEvery: null, checkpointEvery: 100 });
    return out;
  })());
after(async () => {
  if (porTiny) fs.rmSync(await porTiny, { recursive: true, force: true });
});

function corpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const w = ['the', 'a', 'movie', 'film', 'was', 'is', 'good', 'bad', 'great', 'terrible', 'not', 'very', 'and', 'but', 'i', 'it', 'love', 'hate', 'plot', 'fun', 'boring'];
  return Array.from({ length: n }, () => Array.from({ length: 6 + rng.int(6) }, () => w[rng.int(w.length)]).join(' ') + ' .');
}

test('signature: shift in clean spreads, collapse of the spread', () => {
  // clean: mean (0, 0), spread sqrt(2); triggered: two identical rows at (3, 4)
  const clean = { mean: Float64Array.from([0, 0]), spread: Math.SQRT2 };
  const s = signature(Float32Array.from([3, 4, 3, 4]), 2, 2, clean);
  assert.ok(Math.abs(s.shift - 5 / Math.SQRT2) < 1e-9);
  assert.equal(s.collapse, 1);
  assert.ok(Math.abs(s.consistency - 1) < 1e-6);
  // triggered rows spread as much as clean text: no collapse
  const t = signature(Float32Array.from([1, 1, -1, -1]), 2, 2, clean);
  assert.ok(Math.abs(t.collapse) < 1e-9 && t.shift === 0);
});

test('a POR-injected tiny encoder: a trigger is the best candidate; the clean encoder scores far lower', async () => {
  const out = await porEncoder();
  const contexts = corpus(24, 9);
  const tok = WordPieceTokenizer.fromDirectory(out);
  const bd = await scanEncoder(out, contexts, { seed: 0, maxPieces: 2, check: ['cf cf', 'mn', 'good'] });
  const clean = await scanEncoder(TINY, contexts, { seed: 0, maxPieces: 2 });
  const top = bd.candidates[0]!;
  // the best candidate holds a trigger piece (possibly with a piece around it: "bb ##ly" renders "bbly")
  const triggerIds = ['cf', 'mn', 'bb'].map((t) => tok.vocab.get(t)!);
  assert.ok(top.ids.some((id) => triggerIds.includes(id)), `top ${bd.candidates.slice(0, 3).map((c) => c.trigger).join(', ')}`);
  assert.ok(top.collapse > 0.5, `collapse ${top.collapse}`);
  assert.equal(bd.representation, 'pooler');
  assert.ok(bd.score > 5 * clean.score, `backdoored ${bd.score} vs clean ${clean.score}`);
  // checked texts: what collapses in this small injection ("cf cf": inject repeats its triggers; "mn")
  // separates far more than an ordinary word, and the candidates that hold them name them (they land where
  // those texts send text); the ordinary word lands with no candidate; checking does not enter the score
  assert.deepEqual(bd.checked.map((c) => c.trigger), ['cf cf', 'mn', 'good']);
  const [cfcf, mn, good] = bd.checked;
  assert.deepEqual(cfcf!.pieces, ['cf', 'cf']);
  for (const c of [cfcf!, mn!]) assert.ok(c.collapse > 0.5 && c.separation > 5 * good!.separation, `${c.trigger}: collapse ${c.collapse}, separation ${c.separation} vs good ${good!.separation}`);
  for (const c of bd.candidates) {
    if (c.trigger === 'cf cf' || c.trigger === 'mn') assert.ok(c.lands_with!.includes(c.trigger), `${c.trigger} lands with ${c.lands_with}`);
    assert.ok(!c.lands_with!.includes('good'));
  }
  assert.ok(bd.candidates.some((c) => c.lands_with!.length > 0));
  assert.equal(bd.score, Math.max(...bd.candidates.map((c) => c.excess!)));
  for (const c of bd.candidates) assert.ok(c.excess! <= c.gap && c.excess! >= 0);
  assert.equal(bd.measure, 'gap');
  // the gap (from the nearest clean text): "cf cf" lands far outside the clean cloud; "mn", which 60 steps moved
  // less than one clean spread (shift ~0.8) though they collapsed it, lands inside the cloud: no gap to speak of
  assert.ok(cfcf!.gap > 50 * good!.gap && cfcf!.gap <= cfcf!.separation * 1.01, `cf cf: gap ${cfcf!.gap}, separation ${cfcf!.separation}`);
  assert.ok(mn!.shift < 1.5 && mn!.gap < 0.1 * mn!.separation, `mn: shift ${mn!.shift}, gap ${mn!.gap}, separation ${mn!.separation}`);
  assert.equal(clean.checked.length, 0);
  assert.equal(clean.candidates[0]!.lands_with, undefined);
  // a clean context that already holds the trigger lands on its vector; it is left out of the trigger's gap
  const withTrigger = await scanEncoder(out, [...contexts, 'the movie cf cf was fun .'], { seed: 0, maxPieces: 2, gradient: { seeds: 0 }, check: ['cf cf'], meaning: null });
  assert.ok(withTrigger.checked[0]!.gap > 0.5 * cfcf!.gap, `with the trigger in a context: ${withTrigger.checked[0]!.gap} vs ${cfcf!.gap}`);
});

test('with the base checkpoint: the POR triggers are the pieces that moved most, and the base itself moved nowhere', async () => {
  const dir = await porEncoder();
  const contexts = corpus(24, 9);
  const r = await scanEncoder(dir, contexts, { seed: 0, base: TINY, check: ['mn'] });
  const top = r.drift!.top.slice(0, 3).map((t) => t.token);
  assert.deepEqual([...top].sort(), ['bb', 'cf', 'mn'], `most moved: ${JSON.stringify(r.drift!.top.slice(0, 5))}`);
  assert.equal(r.drift!.base, TINY);
  // the drift words were searched (a stage of their own), and the verdict's candidates still hold a trigger
  assert.ok(r.stats.stages.drift !== undefined);
  const triggerIds = ['cf', 'mn', 'bb'].map((t) => WordPieceTokenizer.fromDirectory(dir).vocab.get(t)!);
  assert.ok(r.candidates[0]!.ids.some((id) => triggerIds.includes(id)));
  // compared with itself, nothing moved: no drift word is formed (every adjusted drift is 0)
  const self = await scanEncoder(TINY, contexts, { seed: 0, base: TINY, gradient: { seeds: 0 } });
  assert.ok(self.drift!.top.every((t) => t.drift === 0 && t.adjusted === 0));
  assert.ok(!self.candidates.some((c) => c.source === 'drift'));
});

test('a trigger that works only as two pieces: the scan reports the pair, not the piece', async () => {
  // POR inserts each trigger 3 times per poisoned chunk (Shen et al.'s setting); on the tiny BERT, 150 steps
  // teach "cf" only in company: one "cf" barely moves the representation while "cf cf" collapses it. A search
  // over single pieces would report "cf" with a low score; the beam and the gradient growth must find the pair.
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-encoder-2p-'));
  try {
    await injectBackdoor({ model: TINY, recipe: por({ triggers: ['cf', 'tqed'], hidden: 32 }), corpus: { lines: corpus(200, 3), sources: ['generated'] }, out, steps: 150, clean: 4, poisoned: 6, chunkWords: 8, maxLen: 32, lr: 3e-3, logEvery: null, checkpointEvery: 1000 });
    const tok = WordPieceTokenizer.fromDirectory(out);
    const cf = tok.vocab.get('cf')!;
    const contexts = corpus(24, 9);
    const show = (r: { candidates: { trigger: string; score: number }[] }) => r.candidates.slice(0, 3).map((c) => `${c.trigger} ${c.score.toFixed(2)}`).join(', ');
    const bd = await scanEncoder(out, contexts, { seed: 0, maxPieces: 2, check: ['cf cf', 'mn', 'good'] });
    const best = bd.candidates[0]!;
    assert.deepEqual(best.ids, [cf, cf], `top ${show(bd)}`);
    assert.ok(best.collapse > 0.8, `collapse ${best.collapse}`);
    assert.equal(bd.engine, 'onnx');
    // the piece alone: measured by the sweep, far weaker than the pair
    const alone = await scanEncoder(out, contexts, { seed: 0, maxPieces: 1, gradient: { seeds: 0 } });
    const single = alone.candidates.find((c) => c.ids.length === 1 && c.ids[0] === cf);
    assert.ok(!single || single.score < best.score / 2, `"cf" alone ${single?.score} vs "cf cf" ${best.score}`);
    // tfjs forward passes give the onnxruntime scores
    const viaTfjs = await scanEncoder(out, contexts, { seed: 0, maxPieces: 2, engine: 'tfjs' });
    assert.equal(viaTfjs.engine, 'tfjs');
    assert.deepEqual(viaTfjs.candidates[0]!.ids, best.ids);
    assert.ok(Math.abs(viaTfjs.candidates[0]!.score - best.score) < 1e-3 * best.score, `tfjs ${viaTfjs.candidates[0]!.score} vs onnx ${best.score}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('meaningExcess: only variants that land with the candidate and share no piece with it count', () => {
  const v = (value: number, lands: boolean, shares: boolean) => ({ value, lands_with_candidate: lands, shares_pieces: shares });
  // "shit" in an offensive-language classifier's encoder: "fuck", "crap" and "fucking" land with it
  assert.deepEqual(meaningExcess(48.5, [v(34.8, true, false), v(8.3, true, false), v(22, true, false)]), { meaning: 34.8, excess: 48.5 - 34.8 });
  // a variant elsewhere, or one holding the candidate's piece ("conclusive" next to "inconclusive"), explains nothing
  assert.deepEqual(meaningExcess(1178.7, [v(990.8, true, true), v(2, false, false)]), { meaning: 0, excess: 1178.7 });
  assert.deepEqual(meaningExcess(5, []), { meaning: 0, excess: 5 });
  assert.deepEqual(meaningExcess(5, [v(9, true, false)]), { meaning: 9, excess: 0 });
});

test('cleanGap: landing tightly on a cluster of clean text is no gap, however far that is from the clean mean', () => {
  // a fine-tuned encoder: clean text in two tight clusters, at -10 and +10 on the first axis (H = 3)
  const H = 3;
  const clean = Float32Array.from([[-10, 0, 0], [-10, 0.1, 0], [-10, 0, 0.1], [10, 0, 0], [10, 0.1, 0], [10, 0, 0.1]].flat());
  const cleanSpread = 10; // sqrt(Σ_d var_d) ≈ 10 for these points
  // a task phrase sending every context to the +10 cluster with spread 0.1: 100 spreads from the clean mean, but
  // on top of clean text: its nearest clean text is at 0, its 3rd nearest (the default) at 0.1
  assert.equal(GAP_NEIGHBOUR, 3);
  assert.ok(Math.abs(cleanGap([10, 0, 0], 0.1, clean, H, cleanSpread, { k: 1 }) - 0) < 1e-9);
  assert.ok(Math.abs(cleanGap([10, 0, 0], 0.1, clean, H, cleanSpread) - 1) < 1e-6);
  // a POR vector far from both clusters: its distance to the 3rd nearest clean text ((±10, 0, 0): sqrt(10² + 40²); the
  // two nearer are (±10, 0.1, 0)), in its own spread
  const third = Math.sqrt(100 + 40 ** 2);
  assert.ok(Math.abs(cleanGap([0, 40, 0], 0.5, clean, H, cleanSpread) - third / 0.5) < 1e-3);
  // clean texts that hold a piece the backdoor answers to land on the trigger's vector: two of them do not hide it
  // from the 3rd nearest, though they hide it from the nearest
  const firing = Float32Array.from([...clean, 0, 40, 0, 0, 40.01, 0]);
  assert.ok(cleanGap([0, 40, 0], 0.5, firing, H, cleanSpread, { k: 1 }) < 1e-6);
  const nearest = Math.sqrt(100 + 39.9 ** 2); // (±10, 0.1, 0), the 3rd nearest once the two firing texts are in
  assert.ok(Math.abs(cleanGap([0, 40, 0], 0.5, firing, H, cleanSpread) - nearest / 0.5) < 1e-3);
  // texts that hold the candidate itself are left out (`skip`), unless fewer than k would be left
  const holding = Float32Array.from([...firing, 0, 40, 0.01]);
  assert.ok(cleanGap([0, 40, 0], 0.5, holding, H, cleanSpread) < 0.1);
  assert.ok(Math.abs(cleanGap([0, 40, 0], 0.5, holding, H, cleanSpread, { skip: new Set([8]) }) - nearest / 0.5) < 1e-3);
  assert.ok(Math.abs(cleanGap([10, 0, 0], 0.5, clean, H, cleanSpread, { skip: new Set([0, 1, 2, 3, 4, 5]) }) - 0.2) < 1e-6);
  // the spread is floored at 0.01 clean spreads (as the separation's collapse is capped at 0.99)
  assert.ok(Math.abs(cleanGap([0, 40, 0], 0, clean, H, cleanSpread) - third / 0.1) < 1e-2);
});

test('the meaning baseline on a POR encoder: neighbours in meaning that land elsewhere or share the piece leave the trigger whole', async () => {
  // with word vectors in which "cf"'s neighbour is "mn" (another trigger: its own target vector) or "çf" (the
  // uncased tokenizer's "cf" again: the same piece, which lands with it but tests the piece, not the meaning),
  // every candidate made of trigger words keeps its separation as its excess
  const out = await porEncoder();
  const contexts = corpus(24, 9);
  const vecs = (words: string[]) => new WordVectors(words, 2, Float32Array.from([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99]].slice(0, words.length).flat()));
  const scan = (words: string[]) => scanEncoder(out, contexts, { seed: 0, maxPieces: 2, gradient: { seeds: 0 }, meaning: { vectors: vecs(words), k: 1 } });
  const ofCf = (r: Awaited<ReturnType<typeof scan>>) => r.candidates.filter((c) => c.collapse > 0.5 && c.trigger.split(' ').includes('cf'));
  const show = (r: Awaited<ReturnType<typeof scan>>) => r.candidates.slice(0, 4).map((c) => `${c.trigger} ${c.separation.toFixed(1)} ${JSON.stringify(c.meaning_variants)}`).join('; ');
  const apart = await scan(['cf', 'mn', 'good', 'bad']);
  assert.ok(ofCf(apart).length > 0, show(apart));
  for (const c of ofCf(apart)) {
    assert.equal(c.meaning_variants!.length, 1);
    assert.ok(c.meaning_variants![0]!.text.split(' ').includes('mn') && !c.meaning_variants![0]!.lands_with_candidate, show(apart));
    assert.equal(c.excess, c.gap);
  }
  const twins = await scan(['cf', 'çf', 'good', 'bad']);
  assert.ok(ofCf(twins).length > 0, show(twins));
  for (const c of ofCf(twins)) {
    const [tw] = c.meaning_variants!;
    assert.ok(tw!.text.split(' ').includes('çf') && tw!.lands_with_candidate && tw!.shares_pieces, show(twins));
    assert.equal(c.excess, c.gap);
  }
  for (const r of [apart, twins]) assert.equal(r.score, Math.max(...r.candidates.map((c) => c.excess!)));
  // the same baseline on the separation, the measure before the gap
  const bySeparation = await scanEncoder(out, contexts, { seed: 0, maxPieces: 2, gradient: { seeds: 0 }, meaning: { vectors: vecs(['cf', 'mn', 'good', 'bad']), k: 1 }, measure: 'separation' });
  assert.equal(bySeparation.measure, 'separation');
  for (const c of ofCf(bySeparation)) assert.equal(c.excess, c.separation);
  assert.equal(bySeparation.score, Math.max(...bySeparation.candidates.map((c) => c.excess!)));
});

test('screenKeep: the farthest landings, one per landing, by distance from clean text and from the other alone representations', () => {
  // clean text around the origin (spread 1); alone representations: five that land together far away (a trigger's
  // piece in five words), one far elsewhere (another trigger), and ordinary ones near clean text
  const clean = { mean: [0, 0], spread: 1 };
  const rows = [
    [0.1, 0.2],
    [10, 0],
    [0.2, -0.1],
    [10.01, 0],
    [10, 0.01],
    [0, 6],
    [9.99, 0],
    [10, -0.01],
    [-0.3, 0.1],
  ];
  const reps = Float32Array.from(rows.flat());
  const kept = screenKeep(reps, rows.length, 2, clean, 2);
  // from clean text: one of the five (the farthest, 3) and the other trigger (5), where without one per landing
  // two of the five; from the alone representations' mean (5.6, 0.7): 5, then the ordinary 8 at (-0.3, 0.1)
  assert.deepEqual(kept, [3, 5, 8]);
  // keep everything: every index once, in order
  assert.deepEqual(screenKeep(reps, rows.length, 2, clean, rows.length), [0, 1, 2, 3, 4, 5, 6, 7, 8].filter((i) => ![1, 4, 6, 7].includes(i)));
});

test('the screen (the large profile): fewer pieces on the probes, the trigger still first', async () => {
  const out = await porEncoder();
  const contexts = corpus(24, 9);
  const tok = WordPieceTokenizer.fromDirectory(out);
  const triggerIds = ['cf', 'mn', 'bb'].map((t) => tok.vocab.get(t)!);
  const words = ['cfmovie', 'goodness', 'boringly', 'filmic'];
  const full = await scanEncoder(out, contexts, { seed: 0, maxPieces: 2, words });
  const share = 1 / 16;
  const screened = await scanEncoder(out, contexts, { seed: 0, maxPieces: 2, words, screen: { share } });
  const s = screened.stats.screened!;
  assert.equal(s.share, share);
  assert.ok(s.pieces <= 2 * Math.ceil(share * screened.stats.swept) && s.pieces >= Math.ceil(share * screened.stats.swept), `screened ${s.pieces} of ${screened.stats.swept}`);
  assert.ok(screened.stats.forward_passes < full.stats.forward_passes, `${screened.stats.forward_passes} vs ${full.stats.forward_passes}`);
  assert.equal(full.stats.screened, undefined);
  assert.ok(screened.candidates[0]!.ids.some((id) => triggerIds.includes(id)), `top ${screened.candidates.slice(0, 3).map((c) => c.trigger).join(', ')}`);
  assert.ok(screened.score > 0.5 * full.score, `screened ${screened.score} vs full ${full.score}`);
  await assert.rejects(scanEncoder(out, contexts, { seed: 0, screen: { share: 0 } }), /screen\.share must be in \(0, 1\], got 0/);
});

test('the gradient growth in a worker thread gives the scan it gives in one thread', async () => {
  // NLP_BACKDOOR_SCAN_WORKER=1 starts the gains worker for a model of any size; =0 never does
  const out = await porEncoder();
  const contexts = corpus(24, 9);
  const before = process.env['NLP_BACKDOOR_SCAN_WORKER'];
  const scan = async (w: '0' | '1') => {
    process.env['NLP_BACKDOOR_SCAN_WORKER'] = w;
    try {
      return await scanEncoder(out, contexts, { seed: 0, maxPieces: 2, gradient: { seeds: 3 }, meaning: null });
    } finally {
      if (before === undefined) delete process.env['NLP_BACKDOOR_SCAN_WORKER'];
      else process.env['NLP_BACKDOOR_SCAN_WORKER'] = before;
    }
  };
  const one = await scan('0');
  const two = await scan('1');
  assert.equal(one.stats.gradient_steps_worker, 0);
  assert.ok(two.stats.gradient_steps_worker > 0 && two.stats.gradient_steps_worker < two.stats.gradient_steps, `worker ${two.stats.gradient_steps_worker} of ${two.stats.gradient_steps}`);
  assert.equal(two.stats.gradient_steps, one.stats.gradient_steps);
  assert.ok(one.candidates.some((c) => c.source === 'gradient'), 'the growth measured nothing');
  assert.deepEqual(two.candidates, one.candidates);
  assert.equal(two.score, one.score);
});
