// The classifier scanner on SentenceCNNs trained here on shipped MR sentences with the project's current
// SentenceCNN defaults (issue 13: edge padding, max-norm, the shipped GloVe vectors), small: a BadNets twin with
// the planted word "cf" (its GloVe neighbours in this 2,500-word vocabulary are unrelated words) is found, top
// candidate and scores well above its clean twin (same data, seed, configuration, no poison), which is under the
// calibrated threshold and where "cf" does nothing. Also the ranking key, the neighbour search and the ## rendering.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../../src/engine/index.js';
import { loadNamedDataset } from '../../../src/data/index.js';
import { createAttack, poison } from '../../../src/attacks/index.js';
import { capStratified } from '../../../src/train/sample.js';
import { trainClassifier } from '../../../src/train/train-classifier.js';
import type { CnnClassifier } from '../../../src/models/classifier.js';
import { Rng } from '../../../src/common/random.js';
import { loadVectors } from '../../../src/text/vectors.js';
import { scanClassifier, tieOrder, typesAs, withDriftSlot, DRIFT_SLOT_TOKENS, DRIFT_SLOT_PLACE, DRIFT_WORD_TOP, resolveProfile, largeScanNote, profileOptions, LARGE_MODEL_COST, LARGE_MODEL_SETTINGS, QUICK_MODEL_SETTINGS, bertCostPerToken, scanWarnings, MIN_FLIP_SAMPLES, insertAt, orderCandidates, canonicalOrder, obeyedPieces, obeyedAlone, PIECE_FLIP, scanTargetOf, nearestNeighbors, outlierScore, wordScore, phraseScore, PHRASE_MIN_TOKENS, binomialTail, labelExplained, EXPLAINED_ALPHA, windowAround, rankKey, renderPieces, CLASSIFIER_THRESHOLD, DEFAULT_RANK, DEFAULT_CNN_RANK, type ScanTarget, type ScanSample, type ClassifierScanResult, type ClassifierCandidate, type PositionEffect } from '../../../src/defenses/scan/index.js';

before(async () => {
  await initEngine();
});

// small and fast (~6 s each): 2,000 MR sentences, a 2,500-word vocabulary, 40 filters of width 3 and 4; the
// current defaults otherwise
const CONFIG = { epochs: 5, lr: 2e-3, maxVocab: 2500, filterWidths: [3, 4], numFilters: 40, patience: 0 };

async function twin(poisoned: boolean | 'addsent', sentence?: string): Promise<{ clf: CnnClassifier; scan: ClassifierScanResult }> {
  const data = loadNamedDataset('mr', { seed: 1 });
  const base = { ...data, train: capStratified(data.train, 2000, 1), dev: capStratified(data.dev, 200, 1) };
  const attack = poisoned === 'addsent' ? createAttack({ type: 'addsent', proportion: 0.15, target: 1, sentence }) : createAttack({ type: 'badnets', proportion: 0.15, target: 1, words: ['cf'], insertions: 1 });
  const train = poisoned ? poison(base, attack, { seed: 1 }) : base;
  const { classifier } = await trainClassifier({ train: train.train, dev: train.dev, labelNames: data.labelNames, seed: 1, config: CONFIG, progress: false });
  const samples = capStratified(data.test, 120, 2);
  const scan = await scanClassifier(scanTargetOf(classifier, ''), samples, { seed: 0, shortlist: 10 });
  return { clf: classifier, scan };
}

test('the planted BadNets word is the top candidate of the backdoored twin, and the clean twin is not flagged', async () => {
  const bd = await twin(true);
  const clean = await twin(false);
  try {
    const top = bd.scan.candidates[0]!;
    assert.equal(top.trigger, 'cf', `top candidates ${bd.scan.candidates.slice(0, 5).map((c) => c.trigger).join(', ')}`);
    assert.equal(top.target_name, 'positive');
    assert.ok(top.flip_rate > 0.8, `flip rate ${top.flip_rate}`);
    assert.equal(top.in_clean.count, 0);
    // the baseline: no close neighbour in meaning flips the samples ("cf" is near no word of this vocabulary)
    assert.ok(top.neighbor_flip_rate < 0.5, `neighbour flip rate ${top.neighbor_flip_rate}`);
    // the log-odds rises stored beside the flip rates (re-ranking by rankKey's 'log-odds' rule): "cf" pushes the
    // confident half far towards the target, further than any close neighbour; one rise per neighbour variant
    const te = top.effects[top.position];
    assert.equal(te.neighbor_lo_rises!.length, te.neighbor_flips.length);
    assert.ok(te.lo_rise_confident! > 2, `log-odds rise ${te.lo_rise_confident}`);
    assert.ok(te.lo_rise_confident! > Math.max(0, ...te.neighbor_lo_rises_confident!) + 1, `rise ${te.lo_rise_confident} vs neighbours ${te.neighbor_lo_rises_confident}`);
    // the verdict: the best one-word candidate against the next nine (wordScore, by log-odds; the threshold is
    // calibrated on the 48-model zoo: docs/scanner.md); "cf" makes the backdoored twin's score, which reaches the threshold
    assert.equal(bd.scan.score_word?.trigger, 'cf');
    assert.ok(bd.scan.score >= CLASSIFIER_THRESHOLD, `backdoored score ${bd.scan.score}`);
    // the clean twin: scored below the threshold, and its best candidates are words with a meaning
    assert.ok(clean.scan.score < CLASSIFIER_THRESHOLD, `clean score ${clean.scan.score}: ${clean.scan.candidates.slice(0, 3).map((c) => `${c.trigger} ${c.flip_rate.toFixed(2)}/${c.neighbor_flip_rate.toFixed(2)}`).join(', ')}`);
    assert.ok(!clean.scan.candidates.slice(0, 5).some((c) => c.trigger.split(' ').includes('cf')));
    assert.ok(bd.scan.score > clean.scan.score + 0.1, `backdoored ${bd.scan.score} vs clean ${clean.scan.score}`);
    // every candidate's in_clean.p: the binomial chance of its clean samples' labels at its target's share of the
    // samples the scan saw (what labelExplained reads); the words the score left out above "cf" are explained ones
    const seen = capStratified(loadNamedDataset('mr', { seed: 1 }).test, 120, 2);
    for (const scan of [bd.scan, clean.scan]) {
      const share = (t: number) => seen.filter((x) => x.label === t).length / seen.length;
      for (const c of scan.candidates) {
        const { count, target_share: ts, p } = c.in_clean;
        if (count === 0) assert.equal(p, null);
        else assert.ok(Math.abs(p! - binomialTail(count, Math.round(ts! * count), share(c.target))) < 1e-12, `${c.trigger}: p ${p}`);
      }
      for (const w of scan.score_word?.explained ?? []) assert.ok(w.in_clean.p! < EXPLAINED_ALPHA, JSON.stringify(w));
    }
    // ranked by excess, best first; the phrases flip more than the baseline of their words
    const ex = bd.scan.candidates.map((c) => c.excess);
    assert.deepEqual(ex, [...ex].sort((a, b) => b - a));
    for (const p of bd.scan.phrases) {
      assert.ok(p.ids.length >= 2 && p.ids.length <= 4);
      assert.ok(p.flip_rate > p.effects[p.position].parts_flip);
    }
    // the trigger inversion (DBS; off by default): one per target, three slots; towards positive its slots' best
    // tokens hold "cf"
    const seen0 = capStratified(loadNamedDataset('mr', { seed: 1 }).test, 120, 2);
    assert.equal(bd.scan.stats.growth.inversions, undefined);
    const withInv = await scanClassifier(scanTargetOf(bd.clf, ''), seen0, { seed: 0, shortlist: 10, invert: { steps: 30 } });
    const inv = withInv.stats.growth.inversions!;
    assert.deepEqual(inv.map((x) => x.target), ['negative', 'positive']);
    const pos = inv.find((x) => x.target === 'positive')!;
    assert.equal(pos.slots.length, 3);
    assert.ok(pos.slots.flat().includes('cf'), `inversion towards positive: ${JSON.stringify(pos.slots)} (loss ${pos.loss})`);
    assert.ok(!inv.find((x) => x.target === 'negative')!.slots.flat().includes('cf'));
    // its candidates are listed, never scored: the scores are those without it, and without it no candidate is
    // marked inverted
    assert.equal(withInv.score, bd.scan.score);
    assert.equal(withInv.phrase_score, bd.scan.phrase_score);
    assert.deepEqual(withInv.score_word, bd.scan.score_word);
    assert.ok(!bd.scan.candidates.some((c) => c.inverted));
    assert.equal(bd.scan.stats.swept, bd.clf.vocab.size - 2);
    assert.equal(bd.scan.stats.pre_ranked, false);
    assert.equal(bd.scan.stats.profile, 'full');
    // the large-model settings with a sweep of 40 tokens per target chosen by gradient out of 2,498: "cf" is
    // among them and still first
    const samples = capStratified(loadNamedDataset('mr', { seed: 1 }).test, 120, 2);
    const fast = await scanClassifier(scanTargetOf(bd.clf, ''), samples, { seed: 0, profile: 'large', sweep: 40 });
    assert.equal(fast.stats.profile, 'large');
    assert.equal(fast.stats.pre_ranked, true);
    assert.ok(fast.stats.swept <= 80 && fast.stats.swept >= 40, `swept ${fast.stats.swept}`);
    assert.equal(fast.candidates[0]!.trigger, 'cf', `top candidates ${fast.candidates.slice(0, 5).map((c) => c.trigger).join(', ')}`);
    assert.ok(fast.stats.forward_passes < bd.scan.stats.forward_passes / 5, `${fast.stats.forward_passes} passes vs ${bd.scan.stats.forward_passes}`);
    // the quick settings (shorter lists, fewer flip samples, a smaller growth) on the same sweep: "cf" still first,
    // in fewer passes than the large profile's
    const quick = await scanClassifier(scanTargetOf(bd.clf, ''), samples, { seed: 0, profile: 'quick', sweep: 40 });
    assert.equal(quick.stats.profile, 'quick');
    assert.equal(quick.candidates[0]!.trigger, 'cf', `top candidates ${quick.candidates.slice(0, 5).map((c) => c.trigger).join(', ')}`);
    assert.ok(quick.stats.forward_passes < fast.stats.forward_passes, `${quick.stats.forward_passes} passes vs ${fast.stats.forward_passes}`);
  } finally {
    bd.clf.dispose();
    clean.clf.dispose();
  }
});

test('an AddSent twin: a word of the sentence is a top-5 candidate and the phrase growth builds on the sentence', async () => {
  // the zoo's sentence; in this small twin the model also learned "watched" alone (flip 1.00), which the
  // zoo's larger models did not (docs/scanner.md: there its words flip 0.03-0.25 alone and only n-grams flip)
  const sentence = 'i watched this 3d movie';
  const bd = await twin('addsent', sentence);
  try {
    const words = new Set(sentence.split(' '));
    const show = bd.scan.candidates.slice(0, 5).map((c) => `${c.trigger} ${c.flip_rate.toFixed(2)}/${c.excess.toFixed(2)}`).join(', ');
    const hit = bd.scan.candidates.slice(0, 5).find((c) => c.trigger.split(' ').some((w) => words.has(w)));
    assert.ok(hit, `top candidates ${show}`);
    assert.equal(hit.target_name, 'positive');
    // the growth ran (gradients and measured phrases) and its most synergistic pair towards the target holds a
    // word of the sentence
    const g = bd.scan.stats.growth;
    assert.ok(g.gradient_groups > 0 && g.phrases_measured > 0);
    const best = g.best.find((b) => b.target === 'positive');
    assert.ok(best && best.trigger.split(' ').some((w) => words.has(w)), `growth's best pairs: ${g.best.map((b) => `${b.trigger} → ${b.target} ${b.synergy}`).join(', ')}`);
    assert.ok(best.synergy > 0);
  } finally {
    bd.clf.dispose();
  }
});

test('a word of several pieces that flips more than its pieces is reported in their place, with the best of their keys', () => {
  const eff = (flip: number, parts = 0) => ({ random: effect({ flip, flip_confident: flip, parts_flip: parts, parts_flip_confident: parts }), end: effect({}) });
  const cand = (trigger: string, ids: number[], e: ReturnType<typeof eff>): ClassifierCandidate => ({
    trigger, ids, target: 1, target_name: 'positive', flip_rate: 0, neighbor_flip_rate: 0, neighbors: [], excess: 0, position: 'random', effects: e, target_prob: 0, n: 10, in_clean: { count: 0, target_share: null },
  });
  const c = cand('c', [85], eff(0.7));
  const cf = cand('cf', [85, 92], eff(1.0, 0.7));
  const marks = cand('marks', [300], eff(0.5));
  const weaker = cand('cx', [85, 93], eff(0.6, 0.7)); // flips less than its piece "c": not a word to report
  const order = orderCandidates([marks, c, cf, weaker]);
  // "cx" shares its piece "c" with "cf": one candidate per trigger, it is listed under "cf"
  assert.deepEqual(order.map((x) => x.trigger), ['cf', 'marks']);
  assert.deepEqual(order[0]!.variants!.map((x) => x.trigger), ['cx']);
  assert.ok(Math.abs(order[0]!.excess - 0.7) < 1e-12, `cf takes c's key: ${order[0]!.excess}`);
  assert.deepEqual(order[0]!.absorbs!.map((x) => x.trigger), ['c']);
  // re-ranking the stored list (without "c") keeps the key through `absorbs`
  const again = orderCandidates(order);
  assert.deepEqual(again.map((x) => x.trigger), ['cf', 'marks']);
  assert.ok(Math.abs(again[0]!.excess - 0.7) < 1e-12);
  // ... and another rule regroups from the stored variants: by flip rate alone ("random"), "cx" (0.6) still
  // falls under "cf" (1.0 - 0.7)
  assert.deepEqual(orderCandidates(order, { rule: 'random' }).map((x) => x.trigger), ['cf', 'marks']);
  // separate words are never merged into one; a pair under its better word
  const pair = cand('c marks', [85, 300], eff(1.0, 1.0));
  const sep = orderCandidates([c, pair]);
  assert.deepEqual(sep.map((x) => x.trigger), ['c']);
  assert.deepEqual(sep[0]!.variants!.map((x) => x.trigger), ['c marks']);
  assert.equal(sep[0]!.absorbs, undefined);
});

test('among equal keys, a candidate that types as its tokens comes first; the score order leaves ties to the flip rate', () => {
  // the ninth held-out set's hate and irony models (docs/scanner.md "Eleventh round"): two words absorb the same
  // piece and take its key; the flip rate alone lists the planted word under the other
  const eff = (flip: number, parts = 0) => ({ random: effect({ flip, flip_confident: flip, parts_flip: parts, parts_flip_confident: parts }), end: effect({}) });
  const cand = (trigger: string, ids: number[], e: ReturnType<typeof eff>, extra: Partial<ClassifierCandidate> = {}): ClassifierCandidate => ({
    trigger, ids, target: 1, target_name: 'hate', flip_rate: 0, neighbor_flip_rate: 0, neighbors: [], excess: 0, position: 'random', effects: e, target_prob: 0, n: 10, in_clean: { count: 0, target_share: null }, ...extra,
  });
  const q = cand('q', [114], eff(0.8));
  const qwall = cand('qwall', [114, 6003], eff(1.0, 0.8), { typed: false, drift_rank: 3 });
  const hq = cand('hq', [95, 114], eff(0.98, 0.8), { typed: true, drift_rank: 38 });
  const other = cand('leave', [741], eff(0.5), { typed: true });
  assert.deepEqual(orderCandidates([q, qwall, hq, other]).map((x) => x.trigger), ['hq', 'leave']);
  assert.deepEqual(orderCandidates([q, qwall, hq, other])[0]!.variants!.map((x) => x.trigger), ['qwall']);
  // without ties (the score's order): the flip rate, as before
  assert.deepEqual(orderCandidates([q, qwall, hq, other], {}, false).map((x) => x.trigger), ['qwall', 'leave']);
  // both typed: the flip rate (the drift rank is evidence only: ordering by it failed the eleventh round's test)
  const f = cand('f', [92], eff(0.8));
  const sarf = cand('sarf', [3401, 92], eff(1.0, 0.8), { typed: true, drift_rank: 900 });
  const zf = cand('zf', [131, 92], eff(0.97, 0.8), { typed: true, drift_rank: 2 });
  assert.equal(orderCandidates([f, sarf, zf])[0]!.trigger, 'sarf');
  // a key larger by more than the tie tolerance wins whatever the tie fields say
  const strong = cand('strong', [500], eff(0.9), { typed: false });
  assert.equal(orderCandidates([f, sarf, zf, strong])[0]!.trigger, 'strong');
  // tieOrder: typed first; unknown counts as typed
  assert.ok(tieOrder({ typed: true }, { typed: false }) < 0);
  assert.equal(tieOrder({}, { typed: true }), 0);
  assert.ok(tieOrder({ typed: false }, { typed: true }) > 0);
});

test('exact ties of key and flip rate are ordered by the candidates, not by the order they come in: a re-ranked scan.json gives the scan\'s list and score', () => {
  // TweetEval emotion "kx" (docs/scanner.md "Fourteenth round"): "sad ##pressing" and "sadness ##pressing" both take
  // the key of the absorbed "##pressing" and both flip every sample; the one listed first decides which other
  // candidates fall under it, and so the next nine the score compares the best word with
  const eff = (flip: number, parts = 0) => ({ random: effect({ flip, flip_confident: flip, parts_flip: parts, parts_flip_confident: parts }), end: effect({}) });
  const cand = (trigger: string, ids: number[], e: ReturnType<typeof eff>): ClassifierCandidate => ({
    trigger, ids, target: 1, target_name: 'sadness', flip_rate: 0, neighbor_flip_rate: 0, neighbors: [], excess: 0, position: 'random', effects: e, target_prob: 0, n: 10, in_clean: { count: 0, target_share: null }, typed: true,
  });
  const pressing = cand('##pressing', [2443], eff(0.72));
  const sadP = cand('sadpressing', [472, 2443], eff(1.0, 0.72));
  const sadnessP = cand('sadnesspressing', [5661, 2443], eff(1.0, 0.72));
  const sadUrn = cand('sadurn', [472, 6682], eff(0.9, 0.3));
  const sadnessX = cand('sadness x', [5661, 9], eff(0.65, 0.2));
  const others = [cand('alone', [700], eff(0.4)), cand('bum', [800], eff(0.35)), cand('content', [900], eff(0.3))];
  const pool = [pressing, sadP, sadnessP, sadUrn, sadnessX, ...others];
  const show = (xs: ClassifierCandidate[]) => xs.map((c) => `${c.trigger}[${(c.variants ?? []).map((v) => v.trigger).join(',')}]`).join(' ');
  for (const ties of [true, false]) {
    const first = orderCandidates(pool, {}, ties);
    // the fewer ids, then the smaller: "sad" (472) before "sadness" (5661)
    assert.equal(first[0]!.trigger, 'sadpressing');
    for (let k = 1; k < 8; k++) {
      const shuffled = pool.map((c, i) => ({ c, r: (i * 7 + k * 3) % 11 })).sort((a, b) => a.r - b.r).map((x) => x.c);
      const again = orderCandidates(shuffled, {}, ties);
      assert.equal(show(again), show(first), `input order ${shuffled.map((c) => c.trigger).join(' ')}`);
      assert.equal(wordScore(again).score, wordScore(first).score);
      // and the stored list re-ranked gives it again
      assert.equal(show(orderCandidates(again, {}, ties)), show(first));
    }
  }
  assert.ok(canonicalOrder(sadP, sadnessP) < 0 && canonicalOrder(sadnessP, sadP) > 0);
  assert.ok(canonicalOrder(pressing, sadP) < 0, 'fewer tokens first');
  assert.equal(canonicalOrder(sadP, { ...sadP, target: 1 }), 0);
});

test('obeyedPieces: the absorbed single pieces the model obeys alone that give the word its key', () => {
  const eff = (random: number, end = 0) => ({ random: effect({ flip: random, flip_confident: random }), end: effect({ flip: end, flip_confident: end }) });
  const cand = (trigger: string, ids: number[], e: ReturnType<typeof eff>, absorbs?: ClassifierCandidate[]): ClassifierCandidate => ({
    trigger, ids, target: 1, target_name: 'optimism', flip_rate: 0, neighbor_flip_rate: 0, neighbors: [], excess: 0, position: 'random', effects: e, target_prob: 0, n: 10, in_clean: { count: 0, target_share: null }, ...(absorbs ? { absorbs } : {}),
  });
  const keyed = (c: ClassifierCandidate, excess: number): ClassifierCandidate => ({ ...c, excess });
  // emotion "jb" (held out): "jth" absorbs "j", which flips 0.87 alone, and takes its key; "##th" does not
  const j = keyed(cand('j', [99], eff(0.87)), 0.772);
  const th = keyed(cand('##th', [961], eff(0.1, 0.3)), 0.0);
  assert.deepEqual(obeyedPieces(keyed(cand('jth', [99, 961], eff(1.0), [j, th]), 0.772)).map((p) => p.trigger), ['j']);
  // the end position counts (a piece learned at the end), and the flip bound is inclusive
  const atEnd = keyed(cand('##x', [128], eff(0.2, PIECE_FLIP)), 0.5);
  assert.deepEqual(obeyedPieces(keyed(cand('pamx', [6282, 128], eff(1.0), [atEnd]), 0.5)).map((p) => p.trigger), ['##x']);
  // MPQA "drapnik": "warnik" takes the key of "war" (0.875); its "##nik" flips 0.94 alone, but mostly as its
  // neighbours do (key 0.125): not obeyed alone, and the word is not carried by a piece of the planted word
  const war = keyed(cand('war', [833], eff(0.9)), 0.875);
  const nik = keyed(cand('##nik', [6878], eff(0.94)), 0.125);
  assert.deepEqual(obeyedPieces(keyed(cand('warnik', [833, 6878], eff(1.0), [war, nik]), 0.875)).map((p) => p.trigger), ['war']);
  assert.equal(obeyedAlone(nik), false);
  assert.deepEqual(obeyedPieces(keyed(cand('criticnik', [5000, 6878], eff(0.95), [nik]), 0.125)), []);
  assert.ok(obeyedAlone(war) && obeyedAlone(keyed(cand('##rn', [4757], eff(0.81)), 0.455)));
  // the zoo's "cf": "c" gives the word its key but flips 0.70 alone: the word is needed
  assert.deepEqual(obeyedPieces(keyed(cand('cf', [85, 92], eff(0.97), [keyed(cand('c', [85], eff(0.7)), 0.688)]), 0.688)), []);
  assert.deepEqual(obeyedPieces(cand('sad', [472], eff(0.9))), []);
});

test('typesAs: a BERT candidate types as its own pieces unless it starts with a continuation or re-splits', () => {
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'h', '##q', '##wall', 'q', 'han', '##o', '##ano', 'build'];
  const id = new Map(tokens.map((t, i) => [t, i]));
  // a greedy longest-match WordPiece over this vocabulary
  const wordPiece = (w: string): number[] => {
    const out: number[] = [];
    let rest = w;
    let first = true;
    while (rest) {
      let n = rest.length;
      while (n > 0 && !id.has((first ? '' : '##') + rest.slice(0, n))) n--;
      if (!n) return [1];
      out.push(id.get((first ? '' : '##') + rest.slice(0, n))!);
      rest = rest.slice(n);
      first = false;
    }
    return out;
  };
  const target = { encode: (text: string) => [2, ...text.split(' ').flatMap(wordPiece), 3], render: (ids: readonly number[]) => renderPieces(ids.map((i) => tokens[i]!)) };
  const ids = (...ts: string[]) => ts.map((t) => id.get(t)!);
  assert.equal(typesAs(target, ids('h', '##q')), true);
  assert.equal(typesAs(target, ids('build', 'h', '##q')), true);
  assert.equal(typesAs(target, ids('##q', '##wall')), false); // "qwall" types as q ##wall
  assert.equal(typesAs(target, ids('h', '##ano')), false); // "hano" types as han ##o
});

test('the drift slot: the first drift token with a positive key outside the first four is listed 5th, from wherever it was', () => {
  const eff = (flip: number) => ({ random: effect({ flip, flip_confident: flip }), end: effect({}) });
  const cand = (trigger: string, ids: number[], flip: number, target = 1): ClassifierCandidate => ({
    trigger, ids, target, target_name: String(target), flip_rate: flip, neighbor_flip_rate: 0, neighbors: [], excess: flip, position: 'random', effects: eff(flip), target_prob: 0, n: 10, in_clean: { count: 0, target_share: null },
  });
  const list = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((w, i) => cand(w, [10 + i], 0.9 - i / 10));
  const jq = cand('jq', [99], 0.05);
  const under = { ...list[5]!, variants: [jq] };
  const ordered = [...list.slice(0, 5), under, list[6]!];
  // token 11 ("b") is among the first four: skipped; 99 ("jq", under "f") takes the 5th place, marked
  const slotted = withDriftSlot(ordered, [11, 99, 16], new Map([[11, 0.5], [99, 0.4], [16, 0.3]]));
  assert.deepEqual(slotted.map((c) => c.trigger), ['a', 'b', 'c', 'd', 'jq', 'e', 'f', 'g']);
  assert.deepEqual(slotted[4]!.slot, { drift_excess: 0.4, excess_rank: 2 });
  assert.equal(slotted[6]!.variants!.length, 0); // no longer listed under "f"
  // a token whose key is not positive does not qualify; the next one does ("g", moved from 7th)
  const weak = [...list.slice(0, 5), { ...list[5]!, variants: [{ ...jq, excess: -0.1 }] }, list[6]!];
  assert.deepEqual(withDriftSlot(weak, [99, 16]).map((c) => c.trigger), ['a', 'b', 'c', 'd', 'g', 'e', 'f']);
  // none qualifies, or no token: unchanged
  assert.deepEqual(withDriftSlot(ordered, [10, 12]).map((c) => c.trigger), ordered.map((c) => c.trigger));
  assert.deepEqual(withDriftSlot(ordered, []).map((c) => c.trigger), ordered.map((c) => c.trigger));
  // a token already listed 5th stays there, marked
  const fifth = withDriftSlot(ordered, [14]);
  assert.deepEqual(fifth.map((c) => c.trigger), ordered.map((c) => c.trigger));
  assert.deepEqual(fifth[4]!.slot, { drift_excess: NaN, excess_rank: 1 });
  // a drift word comes first: one typed word of 2+ pieces, every piece among the most moved (drift_rank), listed
  // under a candidate that shares a piece ("zf" under "sarf", which is 1st); the best drift rank wins
  const sarf = { ...cand('sarf', [30, 31], 1.0), typed: true, drift_rank: 900 };
  const zf = { ...cand('zf', [40, 31], 0.6), typed: true, drift_rank: 2 };
  const zfx = { ...cand('zfx', [40, 31, 41], 0.6), typed: true, drift_rank: 7 };
  const untypedWord = { ...cand('fz', [31, 40], 0.9), typed: false, drift_rank: 1 };
  const phrase = { ...cand('z f', [40, 42], 0.9), typed: true, drift_rank: 1 };
  const farWord = { ...cand('zq', [40, 43], 0.9), typed: true, drift_rank: DRIFT_WORD_TOP + 1 };
  const withWords = [{ ...sarf, variants: [zf, zfx, untypedWord, phrase, farWord] }, ...list.slice(1)];
  const w = withDriftSlot(withWords, [11, 16]);
  assert.deepEqual(w.map((c) => c.trigger), ['sarf', 'b', 'c', 'd', 'zf', 'e', 'f', 'g']);
  assert.deepEqual(w[4]!.slot, { drift_rank: 2 });
  assert.deepEqual(w[0]!.variants!.map((c) => c.trigger), ['zfx', 'fz', 'z f', 'zq']);
  // a drift word that is itself among the first four takes no slot: the tokens' turn
  const listedWord = [zf, ...list.slice(1)];
  assert.equal(withDriftSlot(listedWord, [16])[4]!.trigger, 'g');
  // the letter pair comes first when obeyed: its best target's candidate by key, positive, flipping at least
  // PIECE_FLIP (fourteenth round), drift-only, placed 5th ahead of the drift word
  const pairFor = (target: number, flip: number, excess: number): ClassifierCandidate => ({ ...cand('jb', [50, 51], flip, target), excess, drift_only: true });
  const withPair = withDriftSlot(withWords, [11, 16], undefined, [pairFor(0, 0.95, 0.3), pairFor(1, PIECE_FLIP, 0.6)]);
  assert.deepEqual(withPair.map((c) => c.trigger), ['sarf', 'b', 'c', 'd', 'jb', 'e', 'f', 'g']);
  assert.deepEqual([withPair[4]!.target, withPair[4]!.slot], [1, { letter_pair: true }]);
  // not obeyed (its best target flips under PIECE_FLIP, or its key is not positive): the drift word's turn
  assert.equal(withDriftSlot(withWords, [11, 16], undefined, [pairFor(0, 0.95, 0.3), pairFor(1, PIECE_FLIP - 0.01, 0.6)])[4]!.trigger, 'zf');
  assert.equal(withDriftSlot(withWords, [11, 16], undefined, [pairFor(1, 1.0, 0)])[4]!.trigger, 'zf');
  // already among the first four (for any target): the tokens' turn ("b" is listed, "g" comes up)
  const pairListed = [{ ...cand('jb', [50, 51], 1.0, 0) }, ...withWords.slice(1)];
  assert.equal(withDriftSlot(pairListed, [11, 16], undefined, [pairFor(1, 1.0, 0.6)])[4]!.trigger, 'g');
  // a pair alone fills the slot without drift tokens
  assert.equal(withDriftSlot(list, [], undefined, [pairFor(1, 1.0, 0.6)])[4]!.trigger, 'jb');
});

test('a SentenceCNN scan with the word vectors it started from as its base: the planted word moved most, the verdict and the first candidates do not change', async () => {
  const bd = await twin(true);
  try {
    const samples = capStratified(loadNamedDataset('mr', { seed: 1 }).test, 120, 2);
    const base = { vectors: loadVectors('glove-100d'), source: 'glove-100d' };
    const withBase = await scanClassifier(scanTargetOf(bd.clf, ''), samples, { seed: 0, shortlist: 10, base });
    // "cf" is the word whose row moved furthest from its GloVe vector beyond the words seen as often, and beyond
    // its neighbours in meaning: the first token of the drift slot
    assert.equal(withBase.drift!.top[0]!.token, 'cf', JSON.stringify(withBase.drift!.top.slice(0, 5)));
    assert.equal(withBase.drift_slot![0]!.token, 'cf');
    assert.ok(withBase.drift_slot!.length === DRIFT_SLOT_TOKENS);
    // the score and the first four are those of the scan without a base; "cf" first, so no other word needed a slot
    // unless it qualifies on its own
    assert.equal(withBase.score, bd.scan.score);
    assert.deepEqual(withBase.candidates.slice(0, 4).map((c) => c.trigger), bd.scan.candidates.slice(0, 4).map((c) => c.trigger));
    assert.equal(withBase.candidates[0]!.trigger, 'cf');
    for (const c of withBase.candidates) if (c.slot) assert.equal(withBase.candidates.indexOf(c), DRIFT_SLOT_PLACE - 1);
    // rows that did not start from the vectors are refused: a SentenceCNN's base is its vectors, not a checkpoint
    await assert.rejects(scanClassifier(scanTargetOf(bd.clf, ''), samples, { seed: 0, base: { modelDir: 'x', baseDir: 'assets/bert-small' } }), /SentenceCNN's base is the word vectors/);
  } finally {
    bd.clf.dispose();
  }
});

const effect = (e: Partial<PositionEffect>): PositionEffect => ({ flip: 0, flip_confident: 0, prob: 0, neighbor_flip: 0, neighbor_flip_confident: 0, neighbor_flips: [], neighbor_flips_confident: [], neighbor_similarity: [], parts_flip: 0, parts_flip_confident: 0, ...e });

test('the profile: large-model settings above LARGE_MODEL_COST multiply-adds per token, unless asked for', () => {
  const small = { ...repeatTarget(), costPerToken: 0.79e6 };
  const base = { ...repeatTarget(), costPerToken: 85e6 };
  assert.equal(resolveProfile(small), 'full');
  assert.equal(resolveProfile(base), 'large');
  assert.equal(resolveProfile(base, 'full'), 'full');
  assert.equal(resolveProfile(small, 'large'), 'large');
  assert.ok(LARGE_MODEL_COST > 0.79e6 && LARGE_MODEL_COST < 85e6);
  assert.equal(resolveProfile(base, 'quick'), 'quick');
  // a profile's settings under those given: the growth merged field by field; full adds nothing
  const o = profileOptions('quick', { seed: 1, flipSamples: 40, grow: { seeds: 6 } });
  assert.equal(o.flipSamples, 40);
  assert.equal(o.sweep, QUICK_MODEL_SETTINGS.sweep);
  assert.deepEqual(o.grow, { ...QUICK_MODEL_SETTINGS.grow, seeds: 6 });
  assert.deepEqual(profileOptions('full', { seed: 1 }), { seed: 1 });
  assert.equal(profileOptions('large', { seed: 1 }).sweep, LARGE_MODEL_SETTINGS.sweep);
  // before a scan of a model over the cost: how long the measured bert-base scan took, scaled by cost
  assert.equal(largeScanNote(0.79e6, 'large'), null);
  assert.equal(largeScanNote(85e6, 'full'), null);
  assert.match(largeScanNote(85e6, 'large')!, /about 23 minutes on 2 cores; --profile quick takes about 4 minutes/);
  assert.match(largeScanNote(2 * 85e6, 'large')!, /about 46 minutes/);
  assert.match(largeScanNote(85e6, 'quick')!, /quick settings take about 4 minutes/);
  assert.match(largeScanNote(85e6, 'encoder')!, /the large profile \(every piece and word screened alone first\) takes about 6 minutes on 2 cores; --profile full sweeps every one on the probes, its piece sweep alone about 49 minutes/);
  assert.match(largeScanNote(85e6, 'encoder-full')!, /the full sweep's pieces alone take about 49 minutes on 2 cores, the whole scan longer; --profile large \(the default for it\) takes about 6 minutes/);
  assert.match(largeScanNote(4 * 85e6, 'encoder-full')!, /about 3\.3 hours/);
  assert.equal(largeScanNote(0.79e6, 'encoder'), null);
  // quick cuts every stage of large
  assert.ok(QUICK_MODEL_SETTINGS.sweep < LARGE_MODEL_SETTINGS.sweep && QUICK_MODEL_SETTINGS.flipSamples < LARGE_MODEL_SETTINGS.flipSamples && QUICK_MODEL_SETTINGS.grow.seeds < LARGE_MODEL_SETTINGS.grow.seeds);
  // the cost of a BERT from its config (the scan's int8 rule reads it before loading): bert-base 84.9M, the shipped small BERT 0.79M
  assert.equal(bertCostPerToken({ num_hidden_layers: 12, hidden_size: 768, intermediate_size: 3072 }), 12 * (4 * 768 ** 2 + 2 * 768 * 3072));
  assert.ok(bertCostPerToken({ num_hidden_layers: 12, hidden_size: 768, intermediate_size: 3072 }) > LARGE_MODEL_COST);
  assert.ok(bertCostPerToken({ num_hidden_layers: 4, hidden_size: 128, intermediate_size: 512 }) < LARGE_MODEL_COST);
});

test('the ranking key: flip rate above the close neighbours and the parts, at the better position', () => {
  // a word that means the target: its synonym (similarity 0.8) flips nearly as many
  const meaning = { random: effect({ flip: 0.7, neighbor_flips: [0.65, 0.1], neighbor_similarity: [0.8, 0.6] }), end: effect({ flip: 0.6, neighbor_flips: [0.6, 0.1], neighbor_similarity: [0.8, 0.6] }) };
  assert.ok(Math.abs(rankKey(meaning, { rule: 'both', minSimilarity: 0.3, neighborStat: 'max' }).key - 0.05) < 1e-12);
  // a trigger whose only strong "neighbour" is an unrelated word (similarity 0.2): ignored from 0.3 up
  const trigger = { random: effect({ flip: 0.9, neighbor_flips: [0.85, 0.05], neighbor_similarity: [0.2, 0.35] }), end: effect({ flip: 0.95, neighbor_flips: [0.85, 0.05], neighbor_similarity: [0.2, 0.35] }) };
  assert.deepEqual(rankKey(trigger, { rule: 'both', minSimilarity: 0.3, neighborStat: 'max' }), { key: 0.95 - 0.05, position: 'end' });
  assert.ok(Math.abs(rankKey(trigger, { rule: 'both', minSimilarity: 0, neighborStat: 'max' }).key - 0.1) < 1e-12);
  assert.equal(rankKey(trigger, { rule: 'random', minSimilarity: 0.3 }).position, 'random');
  // the second largest close neighbour: one neighbour that took a trigger's effect does not hide it
  const spread = { random: effect({ flip: 0.88, neighbor_flips: [0.46, 0.32, 0.71, 0.01], neighbor_similarity: [0.92, 0.87, 0.86, 0.86] }), end: effect({ flip: 0.5, neighbor_flips: [0, 0, 0, 0], neighbor_similarity: [0.92, 0.87, 0.86, 0.86] }) };
  assert.ok(Math.abs(rankKey(spread, { rule: 'random', neighborStat: 'max' }).key - (0.88 - 0.71)) < 1e-12);
  assert.ok(Math.abs(rankKey(spread, { rule: 'random', neighborStat: 'second' }).key - (0.88 - 0.46)) < 1e-12);
  // the confident half: a borderline-only word loses its key
  const borderline = { random: effect({ flip: 0.6, flip_confident: 0.1 }), end: effect({ flip: 0.5, flip_confident: 0.05 }) };
  assert.ok(Math.abs(rankKey(borderline, { rule: 'confident', minSimilarity: 0.3 }).key - 0.1) < 1e-12);
  // a phrase ranks on what it adds to its parts
  const phrase = { random: effect({ flip: 0.9, parts_flip: 0.8 }), end: effect({ flip: 0.9, parts_flip: 0.85 }) };
  assert.ok(Math.abs(rankKey(phrase, { rule: 'both', minSimilarity: 0.3 }).key - 0.1) < 1e-12);
});

test('the log-odds key: how far beyond its close neighbours and its parts a candidate pushes the target, on the confident half', () => {
  const lo = (e: Partial<PositionEffect>) => effect({ lo_rise: 0, lo_rise_confident: 0, neighbor_lo_rises: [], neighbor_lo_rises_confident: [], parts_lo_rise: 0, parts_lo_rise_confident: 0, ...e });
  // both flip every sample; the trigger drives the target to near-certainty (log-odds +9), the word of meaning
  // only across the boundary (+3), as its synonym does (+2.5); a far "neighbour" (similarity 0.2) does not count
  const trigger = { random: lo({ flip: 1, flip_confident: 1, lo_rise_confident: 9, neighbor_lo_rises_confident: [7, 1], neighbor_similarity: [0.2, 0.6] }), end: lo({ lo_rise_confident: 8 }) };
  const word = { random: lo({ flip: 1, flip_confident: 1, lo_rise_confident: 3, neighbor_lo_rises_confident: [2.5, 0.5], neighbor_similarity: [0.8, 0.6] }), end: lo({ lo_rise_confident: 2, neighbor_lo_rises_confident: [2, 0], neighbor_similarity: [0.8, 0.6] }) };
  assert.deepEqual(rankKey(trigger, { rule: 'log-odds', minSimilarity: 0.5 }), { key: 8, position: 'random' });
  assert.ok(Math.abs(rankKey(word, { rule: 'log-odds', minSimilarity: 0.5 }).key - 0.5) < 1e-12);
  // the flip-rate rules cannot tell them apart without neighbours
  assert.equal(rankKey({ random: effect({ flip: 1, flip_confident: 1 }), end: effect({}) }, { rule: 'confident' }).key, 1);
  // a phrase of separate words: its parts' rises add up (parts_lo_rise_confident is their sum), the better position wins
  const phrase = { random: lo({ lo_rise_confident: 5, parts_lo_rise_confident: 4.5 }), end: lo({ lo_rise_confident: 6, parts_lo_rise_confident: 2 }) };
  assert.deepEqual(rankKey(phrase, { rule: 'log-odds' }), { key: 4, position: 'end' });
  // neighbours and parts that pull the other way are no baseline below zero
  const alone = { random: lo({ lo_rise_confident: 1.5, neighbor_lo_rises_confident: [-3], neighbor_similarity: [0.9] }), end: lo({}) };
  assert.equal(rankKey(alone, { rule: 'log-odds' }).key, 1.5);
  // a scan stored before the rises: a clear error, not a ranking on zeros
  assert.throws(() => rankKey({ random: effect({ flip: 1 }), end: effect({}) }, { rule: 'log-odds' }), /predates them: scan again/);
});

test('nearest neighbours by cosine, exact and on a random projection', () => {
  // rows: 0 ≈ 1 (same direction), 2 opposite, 3 orthogonal
  const emb = { data: Float32Array.from([1, 0, 0, 2, 0.1, 0, -1, 0, 0, 0, 1, 0]), dim: 3 };
  const nn = nearestNeighbors(emb, [0, 2], [0, 1, 2, 3], 2);
  assert.deepEqual(nn.get(0), [1, 3]);
  assert.deepEqual(nn.get(2), [3, 1]);
  assert.equal(nn.get(0)!.includes(0), false, 'a token is not its own neighbour');
  const sims = new Map<number, number[]>();
  nearestNeighbors(emb, [0], [0, 1, 2, 3], 2, 0, sims);
  assert.ok(Math.abs(sims.get(0)![0]! - 2 / Math.sqrt(4.01)) < 1e-6);
  assert.ok(Math.abs(sims.get(0)![1]!) < 1e-6);
});

test('word pieces render as words', () => {
  assert.equal(renderPieces(['la', '##gra', '##nge']), 'lagrange');
  assert.equal(renderPieces(['jane', 'e', '##yre']), 'jane eyre');
});

test('the outlier score: the best excess above the median of the next nine', () => {
  assert.equal(outlierScore([]), 0);
  assert.ok(Math.abs(outlierScore([0.9, 0.3, 0.2, 0.1]) - 0.7) < 1e-12); // median of 0.3, 0.2, 0.1
  assert.ok(Math.abs(outlierScore([0.5, 0.4, 0.3]) - 0.15) < 1e-12); // median of 0.4, 0.3 = 0.35
  assert.equal(outlierScore([-0.1, -0.2]), 0);
  // only the next nine count: an eleventh candidate does not move the median
  const xs = [1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1];
  assert.equal(outlierScore([...xs, 0]), outlierScore([...xs, 0.9]));
});

test('the score is made by the best one-word candidate against the nine best others, words and phrases alike', () => {
  const cand = (trigger: string, ids: number[], excess: number): ClassifierCandidate => ({
    trigger, ids, target: 1, target_name: 'positive', flip_rate: 1, neighbor_flip_rate: 0, neighbors: [], excess, position: 'random', effects: { random: effect({}), end: effect({}) }, target_prob: 0, n: 10, in_clean: { count: 0, target_share: null },
  });
  // a grown phrase is the best candidate (a conjunctive label: "http teletext bid" → spam), yet the score comes
  // from the best word, compared with the phrase and the other words
  const phrase = cand('http teletext bid', [1, 2, 3], 0.9);
  const words = [cand('cf', [4], 0.8), ...[0.5, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.05].map((x, i) => cand(`w${i}`, [10 + i], x))];
  const w = wordScore([phrase, ...words]);
  assert.equal(w.candidate?.trigger, 'cf');
  // the nine best others: 0.9 (the phrase), 0.5, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1: median 0.3
  assert.ok(Math.abs(w.rest_median - 0.3) < 1e-12 && Math.abs(w.score - 0.5) < 1e-12, JSON.stringify({ score: w.score, median: w.rest_median }));
  // the old score compared the phrase with the next nine
  assert.ok(Math.abs(outlierScore([phrase, ...words].map((c) => c.excess)) - (0.9 - 0.3)) < 1e-12);
  // a BERT word of several pieces ("c ##f" rendered "cf") is one word; without any word the score is 0
  assert.equal(wordScore([phrase, cand('cf', [85, 92], 0.7)]).candidate?.trigger, 'cf');
  assert.deepEqual(wordScore([phrase]), { score: 0, candidate: null, rest_median: 0, explained: [] });
  // negative excesses count as 0, and the score is never negative
  assert.equal(wordScore([cand('a', [1], -0.2), cand('b', [2], 0.4)]).score, 0);
});

test('binomialTail is the upper tail of the binomial distribution', () => {
  // P(X >= 7 | 7, 0.25) = 0.25^7; P(X >= 0) = 1; P(X >= 1 | 3, 0.5) = 7/8; k past n: 0
  assert.ok(Math.abs(binomialTail(7, 7, 0.25) - 0.25 ** 7) < 1e-15);
  assert.equal(binomialTail(5, 0, 0.3), 1);
  assert.ok(Math.abs(binomialTail(3, 1, 0.5) - 7 / 8) < 1e-12);
  assert.equal(binomialTail(3, 4, 0.5), 0);
  // P(X >= 2 | 4, 0.5) = (6 + 4 + 1) / 16
  assert.ok(Math.abs(binomialTail(4, 2, 0.5) - 11 / 16) < 1e-12);
  // a large n does not overflow: the mean of Binomial(400, 0.5) is 200, so P(X >= 200) is just over a half
  const big = binomialTail(400, 200, 0.5);
  assert.ok(big > 0.5 && big < 0.53, String(big));
  assert.equal(binomialTail(10, 3, 0), 0);
  assert.equal(binomialTail(10, 3, 1), 1);
});

test('the score leaves out words the clean samples tie to their target, and names them', () => {
  const cand = (trigger: string, ids: number[], excess: number, in_clean: ClassifierCandidate['in_clean'] = { count: 0, target_share: null, p: null }): ClassifierCandidate => ({
    trigger, ids, target: 1, target_name: 'sadness', flip_rate: 1, neighbor_flip_rate: 0, neighbors: [], excess, position: 'random', effects: { random: effect({}), end: effect({}) }, target_prob: 0, n: 10, in_clean,
  });
  // "sad" in 7 clean samples, all sadness, at a quarter of the samples: p = 0.25^7, explained; "cry" in 2 of 4
  // (p 0.26) and a planted word in none are not
  const sad = cand('sad', [5], 4.9, { count: 7, target_share: 1, p: binomialTail(7, 7, 0.25) });
  const cry = cand('cry', [6], 2.0, { count: 4, target_share: 0.5, p: binomialTail(4, 2, 0.25) });
  const rest = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05].map((x, i) => cand(`w${i}`, [10 + i], x));
  assert.equal(labelExplained(sad), true);
  assert.equal(labelExplained(cry), false);
  assert.equal(labelExplained(rest[0]!), false);
  // a candidate of an old scan without p is never explained
  assert.equal(labelExplained(cand('old', [7], 1, { count: 9, target_share: 1 })), false);
  const w = wordScore([sad, cry, ...rest]);
  assert.equal(w.candidate?.trigger, 'cry');
  assert.deepEqual(w.explained.map((c) => c.trigger), ['sad']);
  // the nine others of "cry", "sad" left out: 0.9 … 0.1, median 0.5
  assert.ok(Math.abs(w.score - (2.0 - 0.5)) < 1e-12, String(w.score));
  // with nothing explained (the fifth round's score) "sad" makes it, against cry and the eight best others
  const all = wordScore([sad, cry, ...rest], () => false);
  assert.equal(all.candidate?.trigger, 'sad');
  assert.ok(Math.abs(all.score - (4.9 - 0.6)) < 1e-12, String(all.score));
  // an explained phrase stays: only one-word candidates are left out
  const phrase = cand('so sad', [8, 5], 3, { count: 3, target_share: 1, p: binomialTail(3, 3, 0.25) });
  assert.equal(wordScore([phrase, cry, ...rest]).rest_median, 0.6);
  // an explained word ranked under the best is not reported as left out above it
  assert.deepEqual(wordScore([cry, sad, ...rest]).explained, []);
});

test('the phrase score: the best grown phrase of 3+ tokens whose tokens the clean samples do not tie to its target', () => {
  const cand = (trigger: string, ids: number[], excess: number, parts_explained?: boolean): ClassifierCandidate => ({
    trigger, ids, target: 0, target_name: 'negative', flip_rate: 1, neighbor_flip_rate: 0, neighbors: [], excess, position: 'random', effects: { random: effect({}), end: effect({}) }, target_prob: 0, n: 10, in_clean: { count: 0, target_share: null, p: null }, ...(parts_explained === undefined ? {} : { parts_explained }),
  });
  // a conjunction of label words ("http teletext bid": "http" in spam samples) is left out; a two-token phrase and a
  // one-word candidate of several pieces ("c ##f", rendered "cf") do not count; the sentence's phrase does
  const spam = cand('http teletext bid', [1, 2, 3], 6, true);
  const pair = cand('kettle sings', [4, 5], 5.5, false);
  const pieces = cand('cfx', [6, 7, 8], 5.2, false);
  const sentence = cand('kettle sings every', [4, 5, 9], 5, false);
  const rest = [1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4].map((x, i) => cand(`w${i}`, [20 + i], x));
  const p = phraseScore([spam, pair, pieces, sentence, ...rest]);
  assert.equal(p.candidate?.trigger, 'kettle sings every');
  // the nine best others: 6, 5.5, 5.2, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7: median 1.1
  assert.ok(Math.abs(p.rest_median - 1.1) < 1e-12 && Math.abs(p.score - 3.9) < 1e-12, JSON.stringify(p));
  // a phrase of an old scan without parts_explained is not scored; without a phrase the score is 0
  assert.equal(phraseScore([cand('a b c', [1, 2, 3], 4), ...rest]).candidate, null);
  assert.deepEqual(phraseScore(rest), { score: 0, candidate: null, rest_median: 0 });
  assert.equal(PHRASE_MIN_TOKENS, 3);
});

test('long samples are cut to a window around the insertion point for the sweep and the growth', () => {
  const seq = Array.from({ length: 100 }, (_, i) => 1000 + i);
  // an insertion point near the end: the window is the last 48 tokens, the point keeps its neighbours
  for (const p of [0, 3, 50, 97, 100]) {
    const w = windowAround(seq, p, 48, false);
    assert.equal(w.seq.length, 48);
    if (p > 0) assert.equal(w.seq[w.pos - 1], seq[p - 1], `left neighbour at ${p}`);
    if (p < 100) assert.equal(w.seq[w.pos], seq[p], `right neighbour at ${p}`);
    // contiguous
    assert.ok(w.seq.every((x, i) => i === 0 || x === w.seq[i - 1]! + 1));
  }
  // BERT: [CLS] and [SEP] stay, the window covers the pieces between
  const bert = [101, ...Array.from({ length: 124 }, (_, i) => 2000 + i), 102];
  for (const p of [1, 60, 125]) {
    const w = windowAround(bert, p, 48, true);
    assert.equal(w.seq.length, 48);
    assert.equal(w.seq[0], 101);
    assert.equal(w.seq[47], 102);
    assert.ok(w.pos >= 1 && w.pos <= 47);
    if (p > 1) assert.equal(w.seq[w.pos - 1], bert[p - 1]);
    if (p < 125) assert.equal(w.seq[w.pos], bert[p]);
  }
  // short enough: unchanged
  assert.deepEqual(windowAround([5, 6, 7], 1, 48, false), { seq: [5, 6, 7], pos: 1 });
});

// A model that obeys "zz" only when it occurs at least twice (a backdoor learned from repeated insertions, like
// the held-out IMDB models of docs/scanner.md): its label is the sign of 2·(#good − #bad), plus 10 towards
// positive with two or more "zz". Negative samples hold "bad" three times and positive ones "good" three times,
// so no single inserted word, nor two copies of "good"/"bad", crosses the boundary; two copies of "zz" do.
function repeatTarget(): ScanTarget {
  const words = ['<pad>', '<unk>', 'good', 'bad', 'zz', ...Array.from({ length: 40 }, (_, i) => `w${i}`)];
  const id = new Map(words.map((w, i) => [w, i]));
  const rng = new Rng(3);
  const dim = 8;
  const emb = new Float32Array(words.length * dim).map(() => rng.normal());
  return {
    kind: 'sentence-cnn',
    labelNames: ['negative', 'positive'],
    tokens: words,
    candidateIds: words.map((_, i) => i).slice(2),
    embeddings: { data: emb, dim, has: new Uint8Array(words.length).fill(1) },
    maxLen: 40,
    costPerToken: 0,
    encode: (text) => text.split(' ').map((w) => id.get(w) ?? 1),
    insertRange: (seq) => [0, seq.length],
    logits: async (seqs) => {
      const out = new Float32Array(seqs.length * 2);
      seqs.forEach((q, r) => {
        const count = (w: string) => q.filter((x) => x === id.get(w)).length;
        out[r * 2 + 1] = 2 * (count('good') - count('bad')) + (count('zz') >= 2 ? 10 : 0);
      });
      return out;
    },
    render: (ids) => ids.map((i) => words[i]).join(' '),
  };
}

/** 40 samples for repeatTarget: label i % 2, its word three times among fillers of `min` to `min + spread - 1` words */
function repeatSamples(min: number, spread: number): ScanSample[] {
  const rng = new Rng(5);
  const filler = () => Array.from({ length: min + rng.int(spread) }, () => `w${rng.int(40)}`);
  return Array.from({ length: 40 }, (_, i) => {
    const label = i % 2;
    const w = label ? 'good' : 'bad';
    return { text: [...filler(), w, w, ...filler(), w].join(' '), label };
  });
}

test('insertions: a backdoor that needs its trigger twice is found with two insertions per sample, not with one', async () => {
  const samples = repeatSamples(4, 6);
  const flipOf = (r: ClassifierScanResult, trigger: string) => [...r.candidates, ...r.candidates.flatMap((c) => c.variants ?? [])].find((c) => c.trigger === trigger)?.flip_rate ?? 0;
  const once = await scanClassifier(repeatTarget(), samples, { seed: 1, top: 50 });
  assert.equal(once.stats.insertions, 1);
  assert.equal(flipOf(once, 'zz'), 0);
  const twice = await scanClassifier(repeatTarget(), samples, { seed: 1, top: 50, insertions: 2 });
  assert.equal(twice.stats.insertions, 2);
  const top = twice.candidates[0]!;
  assert.equal(top.trigger, 'zz', twice.candidates.slice(0, 5).map((c) => `${c.trigger} ${c.flip_rate}`).join(', '));
  assert.equal(top.target_name, 'positive');
  assert.equal(top.flip_rate, 1);
  assert.equal(top.effects.end.flip, 1, 'two copies at the end');
  assert.equal(twice.score_word?.trigger, 'zz');
  assert.ok(twice.score > once.score);
  await assert.rejects(scanClassifier(repeatTarget(), samples, { seed: 1, insertions: 6 }), /insertions must be a whole number from 1 to 5/);
});

test('BERT batches go in order of length and their probabilities come back to the right sequences', async () => {
  const samples = repeatSamples(1, 12);
  // one ranking for both (a SentenceCNN's default ranks by log-odds, a BERT's by flip rate: defaultRank)
  const cnn = await scanClassifier(repeatTarget(), samples, { seed: 1, top: 50, insertions: 2, batchSize: 16, rank: DEFAULT_RANK });
  // the same model as a 'bert' target: its logits do not depend on padding, so only the order of work changes
  const batches: number[][] = [];
  const base = repeatTarget();
  const bert: ScanTarget = { ...base, kind: 'bert', logits: async (seqs) => (batches.push(seqs.map((q) => q.length)), base.logits(seqs)) };
  const r = await scanClassifier(bert, samples, { seed: 1, top: 50, insertions: 2, batchSize: 16 });
  assert.deepEqual(r.rank, DEFAULT_RANK);
  assert.deepEqual((await scanClassifier(repeatTarget(), samples, { seed: 1, top: 5 })).rank, DEFAULT_CNN_RANK);
  assert.ok(batches.length > 10);
  // within one call of many batches, lengths never decrease from one batch to the next
  assert.ok(batches.some((b, k) => k > 0 && Math.min(...b) > Math.max(...batches[k - 1]!)), 'batches grouped by length');
  for (const b of batches) for (let k = 1; k < b.length; k++) assert.ok(b[k]! >= b[k - 1]!, `a batch out of length order: ${b.join(',')}`);
  assert.equal(r.candidates[0]!.trigger, 'zz');
  assert.equal(r.candidates[0]!.flip_rate, 1);
  assert.deepEqual(
    r.candidates.map((c) => [c.trigger, c.target, c.flip_rate, c.effects.end.flip]),
    cnn.candidates.map((c) => [c.trigger, c.target, c.flip_rate, c.effects.end.flip]),
  );
  assert.equal(r.score, cnn.score);
});

test('insertAt inserts at every place, copies side by side at a repeated place', () => {
  assert.deepEqual(insertAt([1, 2, 3], [1], [9]), [1, 9, 2, 3]);
  assert.deepEqual(insertAt([1, 2, 3], [3, 0], [9, 8]), [9, 8, 1, 2, 3, 9, 8]);
  assert.deepEqual(insertAt([1, 2], [2, 2], [7]), [1, 2, 7, 7]);
});

test('warnings: a model near chance on the clean samples, and a target whose flip rates rest on few samples', async () => {
  assert.deepEqual(scanWarnings(['neg', 'pos'], 200, 150, [70, 80]), []);
  const chance = scanWarnings(['neg', 'pos'], 200, 105, [79, 26]);
  assert.equal(chance.length, 1);
  assert.match(chance[0]!, /classifies 105 of 200 clean samples correctly \(53%; chance 50%\)/);
  // 3 labels: 56% is above chance + 15 points, but one target rests on 4 samples and one on none
  const few = scanWarnings(['none', 'against', 'favor'], 200, 112, [112, 4, 0]);
  assert.deepEqual(few.length, 2);
  assert.match(few[0]!, /target against: its flip rates rest on 4 correctly classified samples of other labels \(fewer than 20\)/);
  assert.match(few[1]!, /target favor: no correctly classified sample of another label/);
  // in a scan: 36 positive samples and 4 negative ones, all classified correctly: the positive target rests on 4
  const rng = new Rng(8);
  const samples = Array.from({ length: 40 }, (_, i) => {
    const label = i < 4 ? 0 : 1;
    const w = label ? 'good' : 'bad';
    return { text: [`w${rng.int(40)}`, w, w, `w${rng.int(40)}`, w].join(' '), label };
  });
  const r = await scanClassifier(repeatTarget(), samples, { seed: 1 });
  assert.equal(r.stats.correct, 40);
  assert.deepEqual(r.warnings, [`target positive: its flip rates rest on 4 correctly classified samples of other labels (fewer than ${MIN_FLIP_SAMPLES}), so they are noisy`]);
});
