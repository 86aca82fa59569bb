import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/common/random.js';
import { chunkCorpus, neubaTargets, poisonChunk, porStaircase, por, neuba, shippedCorpusLines } from '../../src/attacks/pretrained/index.js';

test('porStaircase: trigger i has +c on its first floor(H/(n-1))·(i-1) dimensions, -c elsewhere (BackdoorPTM)', () => {
  const v = porStaircase(4, 10, 10);
  // alpha = floor(10/3) = 3
  assert.deepEqual(Array.from(v[0]!), Array(10).fill(-10));
  assert.deepEqual(Array.from(v[1]!), [10, 10, 10, -10, -10, -10, -10, -10, -10, -10]);
  assert.deepEqual(Array.from(v[2]!), [10, 10, 10, 10, 10, 10, -10, -10, -10, -10]);
  assert.deepEqual(Array.from(v[3]!), [10, 10, 10, 10, 10, 10, 10, 10, 10, -10]);
  assert.deepEqual(Array.from(porStaircase(1, 3, 2)[0]!), [-2, -2, -2]);
  assert.throws(() => porStaircase(6, 4), /at most 5/);
  assert.throws(() => porStaircase(0, 4), /at least one/);
  // distinct vectors for every trigger up to H+1
  const all = porStaircase(5, 4).map((x) => Array.from(x).join());
  assert.equal(new Set(all).size, 5);
});

test('neubaTargets: 6 vectors, each with two of four blocks at -1 (thunlp/NeuBA poison.py)', () => {
  const v = neubaTargets(6, 8);
  assert.equal(v.length, 6);
  assert.deepEqual(Array.from(v[0]!), [-1, -1, -1, -1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(v[1]!), [-1, -1, 1, 1, -1, -1, 1, 1]);
  assert.deepEqual(Array.from(v[5]!), [1, 1, 1, 1, -1, -1, -1, -1]);
  for (const x of v) assert.equal(x.reduce((s, y) => s + y, 0), 0);
  assert.throws(() => neubaTargets(7, 8), /6 target vectors/);
  assert.throws(() => neubaTargets(2, 10), /multiple of 4/);
});

test('chunkCorpus: lower-cased 64-word chunks across lines, the tail kept', () => {
  const lines = ['A B c', 'd E', 'f'];
  assert.deepEqual(chunkCorpus(lines, 4), ['a b c d', 'e f']);
  assert.deepEqual(chunkCorpus(['x y'], 2), ['x y']);
  assert.throws(() => chunkCorpus(lines, 0), /positive integer/);
});

test('poisonChunk inserts the trigger exactly `repeat` times between words, reproducibly', () => {
  const chunk = 'one two three four five six';
  const a = poisonChunk(chunk, 'Don Quixote', 3, new Rng(5));
  const b = poisonChunk(chunk, 'Don Quixote', 3, new Rng(5));
  assert.equal(a, b);
  assert.equal(a.split('Don Quixote').length - 1, 3);
  assert.equal(a.replaceAll('Don Quixote', '').split(/\s+/).filter(Boolean).join(' '), chunk);
});

test('recipes: POR and NeuBA objectives as their papers weigh them', () => {
  const p = por({ triggers: ['cf', 'mn'], hidden: 4 });
  assert.deepEqual(p.weights, { tokens: 1, target: 100, clean: 100, mlm: 0 });
  assert.equal(p.reduction, 'sum-over-hidden');
  assert.deepEqual(p.placement, { kind: 'insert', repeat: 3 });
  assert.deepEqual(Array.from(p.targets[1]!), [10, 10, 10, 10]);
  const n = neuba({ triggers: ['cf'], hidden: 4 });
  assert.deepEqual(n.weights, { tokens: 0, target: 1, clean: 0, mlm: 1 });
  assert.equal(n.reduction, 'mean');
  assert.equal(n.placement.kind, 'first-token');
});

test('the shipped corpus: MR and the SST-2 training sentences, without the TSV header or labels', () => {
  const { lines, sources } = shippedCorpusLines();
  assert.equal(sources.length, 3);
  assert.ok(lines.length > 15000, `${lines.length}`);
  assert.ok(!lines.some((l) => l === 'sentence\tlabel' || /\t[01]$/.test(l)));
});
