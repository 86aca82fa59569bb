// The embedding drift from a base checkpoint (`scan --base`, docs/scanner.md "Tenth round"): the adjustment by
// clean counts, the ranks, the piece completion's gates, the refusals of a base that cannot be the model's, and a
// tiny BERT fine-tuned here from a saved base with the trigger "xq" ("x ##q"), whose two pieces move most.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initEngine } from '../../../src/engine/index.js';
import { plantedTokenizer, sentiment } from '../../helpers/planted-bert.js';
import { writeSafetensors } from '../../../src/models/safetensors.js';
import { WordPieceTokenizer } from '../../../src/text/wordpiece.js';
import { WordVectors } from '../../../src/text/vectors.js';
import { BertForMaskedLM } from '../../../src/models/bert/index.js';
import { fineTuneBert } from '../../../src/train/finetune.js';
import { BertClassifier, loadClassifier } from '../../../src/models/classifier.js';
import { embeddingDrift, vectorDrift, driftExcess, checkBase, driftSummary, driftRankOf, pieceCompletion, letterPair, countBucket, scanClassifier, scanTargetOf, tieOrder, KEY_TIE, type ClassifierCandidate } from '../../../src/defenses/scan/index.js';
import { cli } from '../../helpers/cli.js';

let tmp: string;
before(async () => {
  await initEngine();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// 200 filler tokens that never move, so that the completion's top (1% of the vocabulary, at least 10 tokens) is
// a real cut; "y" last, so that it ranks last of the tokens that did not move (ties go by id)
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'good', 'x', 'ab', '##q', '##z', '##ing', ...Array.from({ length: 200 }, (_, i) => `f${i}`), 'y'];
const id = (t: string) => VOCAB.indexOf(t);

/** a checkpoint directory holding only what the drift reads: vocab.txt and the input embeddings */
function checkpoint(name: string, rows: number[][], opts: { vocab?: string[]; dtype?: 'F32' | 'F16'; prefix?: string } = {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'vocab.txt'), (opts.vocab ?? VOCAB).join('\n') + '\n');
  writeSafetensors(path.join(dir, 'model.safetensors'), { [`${opts.prefix ?? 'bert.'}embeddings.word_embeddings.weight`]: { dtype: opts.dtype ?? 'F32', shape: [rows.length, rows[0]!.length], data: rows.flat() } });
  return dir;
}
const zeros = () => VOCAB.map(() => [0, 0]);
/** the fine-tuned rows: token → how far it moved (along the first axis) */
function moved(by: Record<string, number>): number[][] {
  return VOCAB.map((t) => [by[t] ?? 0, 0]);
}

test('count buckets: 0, 1, 2, 3-4, 5-8, 9-16, 17-32, 33+', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33, 1000].map(countBucket), [0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
});

test('the adjusted drift: a word moved as far as the words seen as often is explained; an unseen word that moved far ranks first', () => {
  const base = checkpoint('base', zeros(), { dtype: 'F16' });
  // "the" and "good" each moved 0.5 and are seen 3 times each (their bucket's median: 0.5, adjusted 0); "x" and
  // "##q" moved 0.4 and 0.3 unseen, where the other unseen tokens did not move (median 0)
  const model = checkpoint('model', moved({ the: 0.5, good: 0.5, x: 0.4, '##q': 0.3, '##z': 0.05 }), { prefix: '' });
  const seqs = [[id('the'), id('good')], [id('the'), id('good')], [id('the'), id('good')]];
  const d = embeddingDrift(model, base, seqs);
  assert.ok(Math.abs(d.drift[id('the')]! - 0.5) < 1e-6);
  assert.ok(Math.abs(d.adjusted[id('the')]!) < 1e-6, `adjusted ${d.adjusted[id('the')]}`);
  assert.equal(d.counts[id('good')], 3);
  assert.equal(d.rank[id('x')], 1);
  assert.equal(d.rank[id('##q')], 2);
  assert.deepEqual(driftSummary(d, 2).map((t) => [t.token, t.rank, t.clean_count]), [['x', 1, 0], ['##q', 2, 0]]);
  // raw drift would put "the" and "good" first
  assert.ok(d.drift[id('the')]! > d.drift[id('x')]!);

  // the completion: a one-character word-initial piece within the top (1% of the vocabulary, at least 10
  // tokens), followed by the most moved "##" piece when that is within the top too
  assert.deepEqual(pieceCompletion([id('x')], d)?.ids, [id('x'), id('##q')]);
  // a candidate the growth continued with another piece gets the same word
  const c = pieceCompletion([id('x'), id('##ing')], d)!;
  assert.deepEqual([c.ids, c.continuation, c.piece_rank, c.continuation_rank], [[id('x'), id('##q')], '##q', 1, 2]);
  // a candidate that already holds a continuation that moved keeps it ("x ##z": "##z" moved, 3rd)
  assert.equal(pieceCompletion([id('x'), id('##z')], d), null);
  // not for a piece of two characters, a word followed by another word, or a piece outside the top
  assert.equal(pieceCompletion([id('ab')], d), null);
  assert.equal(pieceCompletion([id('x'), id('y')], d), null);
  assert.equal(d.rank[id('y')], VOCAB.length);
  assert.equal(pieceCompletion([id('y')], d), null);
  // nor when no "##" piece moved more than the tokens seen as often: only "x" moved ("##q", unmoved, is within
  // the top 10 on a tie at 0 broken by id, which is no evidence)
  const alone = embeddingDrift(checkpoint('model-x', moved({ x: 0.4 })), base, seqs);
  assert.equal(alone.rank[id('x')], 1);
  assert.ok(alone.rank[id('##q')]! <= 10 && alone.adjusted[id('##q')] === 0);
  assert.equal(pieceCompletion([id('x')], alone), null);
  // the letter pair: the most moved one-letter first piece and "##" letter ("x", "##q"); none without a "##" letter that moved
  assert.deepEqual(letterPair(d), { ids: [id('x'), id('##q')], initial_rank: 1, continuation_rank: 2 });
  assert.equal(letterPair(alone), null);
});

test('the completion takes the one-letter continuation that moved most (fourteenth round); the tenth round\'s, any continuation within the top', () => {
  const base = checkpoint('base-letters', zeros());
  const seqs = [[id('the'), id('good')]];
  // a topical continuation ("##ing", like the hate set's "##wall") moved more than the planted "##q"
  const d = embeddingDrift(checkpoint('model-ing', moved({ x: 0.6, '##ing': 0.45, '##q': 0.1 })), base, seqs);
  assert.deepEqual(pieceCompletion([id('x')], d)?.continuation, '##q');
  assert.deepEqual(pieceCompletion([id('x')], d, undefined, 'letter')?.ids, [id('x'), id('##q')]);
  assert.deepEqual(pieceCompletion([id('x')], d, undefined, 'any')?.continuation, '##ing');
  // the letter needs no rank: eleven fillers moved more than "##ing" and "##q", both outside the top 10
  const far = embeddingDrift(checkpoint('model-far', moved({ x: 0.6, ...Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, 0.5])), '##ing': 0.45, '##q': 0.1 })), base, seqs);
  assert.ok(far.rank[id('##q')]! > 10 && far.rank[id('##ing')]! > 10);
  const w = pieceCompletion([id('x')], far)!;
  assert.deepEqual([w.continuation, w.continuation_rank], ['##q', far.rank[id('##q')]]);
  assert.equal(pieceCompletion([id('x')], far, undefined, 'any'), null);
  // but it must have moved more than the tokens seen as often, and the first piece must be within the top
  assert.equal(pieceCompletion([id('x')], embeddingDrift(checkpoint('model-x-ing', moved({ x: 0.6, '##ing': 0.45 })), base, seqs)), null);
  assert.equal(pieceCompletion([id('y')], far), null);
});

test('the letters completion: a word ending in a one-letter continuation that moved gets the one-letter first piece that moved most', () => {
  const base = checkpoint('base-last', zeros());
  const seqs = [[id('the'), id('good')]];
  // irony "zf": "recf" (re ##f) carries "##f"; "z" moved, but no candidate is led by it
  const d = embeddingDrift(checkpoint('model-last', moved({ '##q': 0.6, x: 0.4, y: 0.1 })), base, seqs);
  const w = pieceCompletion([id('ab'), id('##q')], d, undefined, 'letters')!;
  assert.deepEqual([w.ids, w.continuation, w.piece_rank, w.continuation_rank], [[id('x'), id('##q')], '##q', 2, 1]);
  // the default since the fourteenth round's test; not with the first letter only, nor for a candidate led by a
  // letter that moved ("x ##q" is the pair itself)
  assert.deepEqual(pieceCompletion([id('ab'), id('##q')], d)?.ids, [id('x'), id('##q')]);
  assert.equal(pieceCompletion([id('ab'), id('##q')], d, undefined, 'letter'), null);
  assert.equal(pieceCompletion([id('x'), id('##q')], d, undefined, 'letters'), null);
  // the first letter's rule still applies first: "x" alone is completed by "##q"
  assert.deepEqual(pieceCompletion([id('x')], d, undefined, 'letters')?.ids, [id('x'), id('##q')]);
  // not for a last piece longer than one letter, one that did not move, a single token, or two words
  const ing = embeddingDrift(checkpoint('model-last-ing', moved({ '##ing': 0.6, x: 0.4 })), base, seqs);
  assert.equal(pieceCompletion([id('ab'), id('##ing')], ing, undefined, 'letters'), null);
  assert.equal(pieceCompletion([id('ab'), id('##z')], d, undefined, 'letters'), null);
  assert.equal(pieceCompletion([id('ab')], d, undefined, 'letters'), null);
  assert.equal(pieceCompletion([id('ab'), id('good')], d, undefined, 'letters'), null);
  // nor when no one-letter first piece moved more than the tokens seen as often
  const only = embeddingDrift(checkpoint('model-last-only', moved({ '##q': 0.6 })), base, seqs);
  assert.equal(pieceCompletion([id('ab'), id('##q')], only, undefined, 'letters'), null);
});

test('vectorDrift: a word with a vector by its distance from it, one without by how far it left the ±0.25 box; refused for other vectors', () => {
  const words = ['<pad>', '<unk>', 'good', 'bad', 'fine', 'cf', 'zz'];
  const vectors = new WordVectors(['good', 'bad', 'fine', 'cf'], 2, Float32Array.from([1, 0, 0, 1, 1, 1, 0.5, 0.5]));
  // trained rows: "cf" moved 0.6 from its vector, "good" 0.1, "zz" (no vector) left the box by 0.3 on one axis
  const rows = [0, 0, 0.9, 0.9, 1.1, 0, 0, 1, 1, 1, 1.1, 0.5, 0.55, 0.1];
  const emb = { data: Float32Array.from(rows), rows: words.length, dim: 2 };
  const skip = (i: number) => i < 2;
  const d = vectorDrift(emb, words, vectors, [], 'test-vectors', skip);
  assert.ok(Math.abs(d.drift[words.indexOf('cf')]! - 0.6) < 1e-6);
  assert.ok(Math.abs(d.drift[words.indexOf('good')]! - 0.1) < 1e-6);
  assert.ok(Math.abs(d.drift[words.indexOf('zz')]! - 0.3) < 1e-6);
  // padding and unknown are last; words with and without a vector are adjusted apart ("zz" alone in its group: 0)
  assert.equal(d.adjusted[0], -Infinity);
  assert.equal(d.adjusted[words.indexOf('zz')], 0);
  assert.equal(words[d.rank.indexOf(1)], 'cf');
  // the drift excess: less the most moved close neighbour's adjusted drift
  const ex = driftExcess(d, [words.indexOf('cf'), words.indexOf('zz')], (id) => (id === words.indexOf('cf') ? { ids: [words.indexOf('good'), words.indexOf('bad')], similarities: [0.9, 0.2] } : { ids: [], similarities: [] }), 0.5);
  assert.ok(Math.abs(ex.get(words.indexOf('cf'))! - (d.adjusted[words.indexOf('cf')]! - d.adjusted[words.indexOf('good')]!)) < 1e-6);
  assert.equal(ex.get(words.indexOf('zz')), d.adjusted[words.indexOf('zz')]);
  // other vectors: another dimension, or rows nowhere near them
  assert.throws(() => vectorDrift({ ...emb, dim: 1, data: Float32Array.from(rows.slice(0, 7)) }, words, vectors, [], 'test-vectors', skip), /test-vectors.*2 dimensions, the model's embeddings 1/);
  const far = new WordVectors(['good', 'bad', 'fine', 'cf'], 2, Float32Array.from([-3, 0, 0, -3, -3, -3, -2, -2]));
  assert.throws(() => vectorDrift(emb, words, far, [], 'far-vectors', skip), /far-vectors.*rows are far from these vectors/);
});

test('a base that cannot be the model\'s is refused, naming the directory and the difference', () => {
  const model = checkpoint('m2', zeros());
  const other = checkpoint('other-vocab', zeros(), { vocab: VOCAB.map((t) => (t === 'good' ? 'fine' : t)) });
  assert.throws(() => checkBase(model, other), (e: Error) => e.message.includes('other-vocab') && /line 7 of vocab\.txt: "fine" vs "good"/.test(e.message));
  const wide = checkpoint('wide', VOCAB.map(() => [0, 0, 0]));
  assert.throws(() => checkBase(model, wide), /input embeddings are \[213, 3\], the model's \[213, 2\]/);
  const none = path.join(tmp, 'no-weights');
  fs.mkdirSync(none);
  fs.writeFileSync(path.join(none, 'vocab.txt'), VOCAB.join('\n') + '\n');
  assert.throws(() => checkBase(model, none), (e: Error) => e.message.includes('no-weights') && /no model\.safetensors/.test(e.message));
  assert.throws(() => checkBase(model, path.join(tmp, 'missing')), /not a directory/);
  const odd = path.join(tmp, 'odd');
  fs.mkdirSync(odd);
  fs.writeFileSync(path.join(odd, 'vocab.txt'), VOCAB.join('\n') + '\n');
  writeSafetensors(path.join(odd, 'model.safetensors'), { 'transformer.wte.weight': { dtype: 'F32', shape: [VOCAB.length, 2], data: new Array(2 * VOCAB.length).fill(0) } });
  assert.throws(() => checkBase(model, odd), /no input-embedding table/);
});

test('a tiny BERT fine-tuned from a saved base with the trigger "xq": its two pieces move most, and the scan completes a candidate led by "x"', async () => {
  // the planted BERT's sentences with "xq" for "cf" (a letter and a continuation in this vocabulary)
  const tok = new WordPieceTokenizer([...plantedTokenizer.idToToken, 'x', 'z', '##q', '##w', '##y']);
  assert.deepEqual(tok.tokenize('xq'), ['x', '##q']);
  const sentences = (n: number, seed: number, poison: number) => sentiment(n, seed, poison, 'xq');
  const baseDir = path.join(tmp, 'tiny-base');
  const enc = new BertForMaskedLM({ vocab_size: tok.vocabSize, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 64 }, { seed: 5 });
  enc.save(baseDir, { tokenizer: tok });
  enc.dispose();
  const r = await fineTuneBert({ modelDir: baseDir, train: sentences(320, 1, 0.4), dev: sentences(64, 2, 0), numLabels: 2, labelNames: ['neg', 'pos'], epochs: 4, batchSize: 16, lr: 3e-3, maxLen: 32, seed: 1, progress: false });
  const modelDir = path.join(tmp, 'tiny-xq');
  new BertClassifier(r.model, r.tokenizer, 32).save(modelDir);
  r.model.dispose();

  const samples = sentences(60, 3, 0);
  const clf = await loadClassifier(modelDir);
  const target = scanTargetOf(clf, modelDir);
  try {
    const d = embeddingDrift(modelDir, baseDir, samples.map((s) => target.encode(s.text)));
    const top3 = driftSummary(d, 3).map((t) => t.token);
    assert.ok(top3.includes('x') && top3.includes('##q'), `most moved: ${top3.join(', ')}`);
    assert.deepEqual(pieceCompletion([tok.vocab.get('x')!], d)?.continuation, '##q');
    assert.deepEqual(letterPair(d)?.ids, [tok.vocab.get('x'), tok.vocab.get('##q')]);
    const scan = await scanClassifier(target, samples, { seed: 0, top: 50, base: { modelDir, baseDir } });
    // the letter pair is the planted word, measured for both targets, never in the score's pool
    assert.equal(scan.letter_pair?.trigger, 'xq');
    assert.deepEqual(scan.letter_pair!.candidates.map((c) => [c.target, c.drift_only]), [[0, true], [1, true]]);
    assert.ok(scan.letter_pair!.candidates[1]!.flip_rate > 0.5, `xq -> pos flips ${scan.letter_pair!.candidates[1]!.flip_rate}`);
    assert.deepEqual(scan.drift!.top.slice(0, 20), driftSummary(d));
    assert.equal(scan.drift!.base, baseDir);
    // every one-word candidate led by "x" ("x", "x ##w") that is not "x ##q" itself gets the word "xq", measured
    // (a phrase "x x" does not)
    const led = scan.candidates.filter((c) => c.ids[0] === tok.vocab.get('x') && c.ids.slice(1).every((id) => target.tokens[id]!.startsWith('##')) && c.trigger !== 'xq');
    assert.ok(led.length > 0, `candidates: ${scan.candidates.slice(0, 8).map((c) => c.trigger).join(', ')}`);
    for (const c of led) {
      assert.equal(c.word?.trigger, 'xq', `${c.trigger}: ${JSON.stringify(c.word)}; drift ${JSON.stringify(driftSummary(d, 12).map((t) => [t.token, t.adjusted]))}`);
      assert.ok(c.word!.flip_rate >= 0 && c.word!.flip_rate <= 1);
    }
    // whatever else is completed (in a 26-token vocabulary the top 10 is most of it: "a", "z") is a one-letter
    // piece that moved, completed with "##q"
    for (const c of scan.candidates.filter((c) => c.word)) {
      assert.equal([...target.tokens[c.ids[0]!]!].length, 1);
      assert.ok(d.rank[c.ids[0]!]! <= 10 && d.adjusted[c.ids[0]!]! > 0);
      assert.equal(c.word!.continuation, '##q');
    }
    // every candidate says whether it types as its tokens, and how far down its least moved token is; the list is
    // by key, equal keys by tieOrder (typed first, then the drift rank)
    for (const c of scan.candidates) {
      assert.equal(typeof c.typed, 'boolean');
      assert.equal(c.drift_rank, driftRankOf(d, c.ids));
      if (target.tokens[c.ids[0]!]!.startsWith('##')) assert.equal(c.typed, false, c.trigger);
    }
    scan.candidates.slice(1).forEach((c, i) => {
      const prev = scan.candidates[i]!;
      assert.ok(prev.excess >= c.excess - KEY_TIE, `${prev.trigger} ${prev.excess} before ${c.trigger} ${c.excess}`);
      if (Math.abs(prev.excess - c.excess) <= KEY_TIE) assert.ok(tieOrder(prev, c) <= 0, `${prev.trigger} before ${c.trigger}`);
    });
    // without the base: no drift ranks; the same first four keys (only equal keys may be ordered otherwise); what
    // the base adds to the list are the drift slot's tokens, measured alone; the score does not depend on the base
    const plain = await scanClassifier(target, samples, { seed: 0, top: 50 });
    assert.ok(plain.candidates.every((c) => c.drift_rank === undefined && typeof c.typed === 'boolean'));
    assert.equal(plain.drift_slot, undefined);
    assert.deepEqual(plain.candidates.slice(0, 4).map((c) => c.excess.toFixed(9)), scan.candidates.slice(0, 4).map((c) => c.excess.toFixed(9)));
    const flat = (xs: readonly ClassifierCandidate[]): ClassifierCandidate[] => xs.flatMap((c) => [c, ...flat(c.variants ?? []), ...flat(c.absorbs ?? [])]);
    const inPlain = new Set(flat(plain.candidates).map((c) => `${c.target}:${c.ids.join()}`));
    const slotIds = new Set(scan.drift_slot!.map((t) => t.id));
    assert.ok(scan.drift_slot!.length > 0 && scan.drift_slot!.every((t) => !t.token.startsWith('##')));
    for (const c of scan.candidates.slice(0, 20)) if (!inPlain.has(`${c.target}:${c.ids.join()}`)) assert.ok(c.ids.length === 1 && slotIds.has(c.ids[0]!) && c.drift_only === true, `${c.trigger} is listed with the base only`);
    assert.equal(plain.score, scan.score);
    // the CLI stores the tie fields beside each candidate (and what is listed under it), so that a stored scan
    // re-ranks as it was listed
    const data = path.join(tmp, 'xq.tsv');
    fs.writeFileSync(data, ['text\tlabel', ...samples.map((x) => `${x.text}\t${x.label === 1 ? 'pos' : 'neg'}`)].join('\n') + '\n');
    const out = path.join(tmp, 'xq-scan.json');
    const run = await cli(['scan', '--model', modelDir, '--as', 'classifier', '--data', data, '--out', out, '--base', baseDir, '--engine', 'tfjs', '--top', '50']);
    assert.equal(run.code, 0, run.out);
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    // the letter pair is stored and printed as evidence (the planted "xq")
    assert.equal(j.letter_pair.trigger, 'xq');
    assert.match(run.out, /letter pair \(the one-letter first piece and "##" letter that moved most, drift ranks \d+ and \d+\): "xq" -> \w+ flip \d\.\d{3}/);
    for (const c of j.candidates.flatMap((c: ClassifierCandidate) => [c, ...(c.variants ?? []), ...(c.absorbs ?? [])])) {
      assert.equal(typeof c.typed, 'boolean', c.trigger);
      assert.equal(c.drift_rank, driftRankOf(d, c.ids), c.trigger);
    }
    // a printed candidate that does not type as its pieces says which pieces were measured
    for (const c of (j.candidates as ClassifierCandidate[]).slice(0, 5).filter((c) => c.typed === false)) assert.ok(run.out.includes(`(pieces ${c.ids.map((id) => target.tokens[id]).join(' ')}: typed as text it gives other tokens)`), run.out);
    // the same scan with the dense layers in int8 (`--engine onnx-int8`): recorded as such, the same first candidate
    // and letter pair, flip rates within a few samples of the float32 ones
    const out8 = path.join(tmp, 'xq-scan-int8.json');
    const run8 = await cli(['scan', '--model', modelDir, '--as', 'classifier', '--data', data, '--out', out8, '--base', baseDir, '--engine', 'onnx-int8', '--top', '50']);
    assert.equal(run8.code, 0, run8.out);
    const j8 = JSON.parse(fs.readFileSync(out8, 'utf8'));
    assert.equal(j8.engine, 'onnx-int8');
    assert.equal(j8.letter_pair.trigger, 'xq');
    assert.equal(j8.candidates[0].trigger, j.candidates[0].trigger, `int8 first ${j8.candidates[0].trigger}, float32 first ${j.candidates[0].trigger}`);
    assert.ok(Math.abs(j8.candidates[0].flip_rate - j.candidates[0].flip_rate) <= 0.1, `first candidate flips ${j8.candidates[0].flip_rate} (int8) and ${j.candidates[0].flip_rate}`);
  } finally {
    await target.dispose?.();
    await clf.dispose();
  }
});
