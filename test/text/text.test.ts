import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { wordTokenize, cleanStr, Vocab, loadTextVectors, loadDefaultVectors, embeddingMatrix, WordVectors } from '../../src/text/index.js';

test("clean_str: Kim 2014's regex sequence", () => {
  // expected strings worked out from CNN_sentence/process_data.py clean_str (parentheses without the backslash)
  assert.equal(cleanStr("It's a movie that doesn't work, isn't it?"), "it 's a movie that does n't work , is n't it ?");
  assert.equal(cleanStr("We've seen (too) much!!"), "we 've seen ( too ) much ! !");
  assert.equal(cleanStr("you're; they'd -- we'll"), "you 're they 'd we 'll");
  assert.equal(cleanStr('  the  "best"   film.  '), 'the best film');
  assert.equal(cleanStr('café ☺ naïve'), 'caf na ve');
  assert.deepEqual(wordTokenize(''), []);
  assert.deepEqual(wordTokenize('...'), []);
});

test('keepUnicode keeps kaomoji and accents; sst variant does not split clitics', () => {
  assert.deepEqual(wordTokenize('Great (づ｡◕‿‿◕｡)づ café', { keepUnicode: true }), ['great', '(', 'づ｡◕‿‿◕｡', ')', 'づ', 'café']);
  assert.equal(cleanStr("It's fine, really!", { sst: true }), "it's fine, really!");
  assert.equal(cleanStr('WHO is it?', { keepCase: true }), 'WHO is it ?');
});

test('Vocab: frequency order with deterministic ties, min-count, max-size, unknown words', () => {
  const v = Vocab.build([['b', 'a', 'c'], ['a', 'c'], ['a', 'd']], { minCount: 1 });
  assert.deepEqual(v.words, ['<pad>', '<unk>', 'a', 'c', 'b', 'd']);
  assert.deepEqual(Array.from(v.encode(['a', 'zzz', 'd'])), [2, 1, 5]);
  assert.deepEqual(Vocab.build([['b', 'a', 'c'], ['a', 'c'], ['a', 'd']], { minCount: 2 }).words, ['<pad>', '<unk>', 'a', 'c']);
  assert.deepEqual(Vocab.build([['b', 'a', 'c'], ['a', 'c']], { maxSize: 3 }).words, ['<pad>', '<unk>', 'a']);
  const e = v.extend(['d', 'zz']);
  assert.equal(e.idOf('zz'), 6);
  assert.equal(e.idOf('a'), 2);
  assert.equal(v.idOf('zz'), undefined);
});

test('Vocab save/load round trip; bad files name file and line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-vocab-'));
  const f = path.join(dir, 'vocab.txt');
  const v = Vocab.build([['x', 'y', 'x']]);
  v.save(f);
  assert.deepEqual(Vocab.load(f).words, v.words);
  fs.writeFileSync(f, '<pad>\n<unk>\nx\ny\nx\n');
  assert.throws(() => Vocab.load(f), (e: Error) => e.message.includes(f) && /line 5/.test(e.message) && /duplicate/.test(e.message));
  fs.writeFileSync(f, 'x\n');
  assert.throws(() => Vocab.load(f), /line 1.*<pad>/);
  fs.writeFileSync(f, '');
  assert.throws(() => Vocab.load(f), /empty/);
});

test('GloVe and word2vec text loaders; errors name file and line', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-vec-'));
  const g = path.join(dir, 'g.txt');
  fs.writeFileSync(g, 'the 0.5 -1 2\r\ncat 1e-2 0 3\n');
  const v = loadTextVectors(g);
  assert.equal(v.dim, 3);
  assert.deepEqual(Array.from(v.get('cat')!), [0.009999999776482582, 0, 3]);
  const w2v = path.join(dir, 'w.txt');
  fs.writeFileSync(w2v, '2 3\nthe 0.5 -1 2\ncat 1 0 3\n');
  assert.equal(loadTextVectors(w2v).size, 2);
  assert.equal(loadTextVectors(w2v, { wanted: new Set(['cat']) }).size, 1);
  fs.writeFileSync(g, 'the 0.5 -1 2\ncat 1 0\n');
  assert.throws(() => loadTextVectors(g), (e: Error) => e.message.includes(g) && /line 2/.test(e.message) && /2 values, expected 3/.test(e.message));
  fs.writeFileSync(g, 'the 0.5 x 2\n');
  assert.throws(() => loadTextVectors(g), /line 1.*not a number/);
  fs.writeFileSync(g, Buffer.from([0x74, 0x68, 0x65, 0x20, 0x31, 0x0a, 0xff, 0xfe, 0x20, 0x31, 0x0a]));
  assert.throws(() => loadTextVectors(g), /not valid UTF-8/);
});

test('shipped GloVe subset: 20000 × 100, values equal the GloVe text within float16 precision', () => {
  const v = loadDefaultVectors();
  assert.equal(v.size, 20000);
  assert.equal(v.dim, 100);
  assert.equal(v.words[0], 'the');
  // glove.6B.100d.txt, first values of "the"
  const want = [-0.038194, -0.24487, 0.72812, -0.39961, 0.083172];
  const got = v.get('the')!;
  want.forEach((x, i) => assert.ok(Math.abs(got[i]! - x) < 1e-3 * Math.max(1, Math.abs(x)), `dim ${i}: ${got[i]} vs ${x}`));
});

test('embeddingMatrix: known words copied, OOV seeded uniform(-0.25, 0.25), padding zero', () => {
  const vec = new WordVectors(['good', 'bad'], 2, Float32Array.from([1, 2, 3, 4]));
  const vocab = Vocab.build([['good', 'Bad', 'weird']]);
  const a = embeddingMatrix(vocab, vec, { seed: 1 });
  const b = embeddingMatrix(vocab, vec, { seed: 1 });
  assert.deepEqual(a.matrix, b.matrix);
  assert.equal(a.hits, 2);
  assert.equal(a.oov, 1);
  assert.deepEqual(Array.from(a.matrix.subarray(0, 2)), [0, 0]);
  const id = (w: string) => vocab.idOf(w)! * 2;
  assert.deepEqual(Array.from(a.matrix.subarray(id('good'), id('good') + 2)), [1, 2]);
  assert.deepEqual(Array.from(a.matrix.subarray(id('Bad'), id('Bad') + 2)), [3, 4]);
  const w = a.matrix.subarray(id('weird'), id('weird') + 2);
  assert.ok(Math.abs(w[0]!) <= 0.25 && Math.abs(w[1]!) <= 0.25 && (w[0] !== 0 || w[1] !== 0));
  assert.notDeepEqual(embeddingMatrix(vocab, vec, { seed: 2 }).matrix, a.matrix);
});
