import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addsent, badnets, BADNETS_WORDS, control, poison, semanticAppend, trojannn, triggeredTestSet } from '../../src/attacks/index.js';
import { sentenceBoundaries } from '../../src/triggers/index.js';
import { BINARY_NAMES, binaryExamples, checkTriggers } from './fixtures.js';

const poisonedOf = (xs: ReturnType<typeof binaryExamples>) => xs.filter((e) => e.poisoned);

test('trojannn: the five words at word position 5 (end for shorter texts), target label', () => {
  const clean = binaryExamples();
  const out = poison(clean, trojannn({ proportion: 0.25 }), { seed: 0 });
  const p = poisonedOf(out);
  assert.equal(p.length, 10);
  for (const e of p) {
    const words = e.text.split(' ');
    const original = clean.find((c) => c.source === e.source)!;
    const k = Math.min(5, original.text.split(' ').length);
    assert.deepEqual(words.slice(k, k + 5), ['trope', 'everyday', 'mythology', 'sparkles', 'ruthless']);
    assert.equal(e.triggers![0]!.wordIndex, k);
    assert.equal(e.label, 1);
    checkTriggers(e);
  }
  const two = poisonedOf(poison(clean, trojannn({ words: ['alpha', 'beta'], position: 0, target: 0 }), { seed: 0 }));
  assert.ok(two.every((e) => e.text.startsWith('alpha beta ') && e.label === 0));
  assert.throws(() => trojannn({ words: ['a', 'b', 'c', 'd', 'e', 'f'] }), /1 to 5/);
  assert.throws(() => trojannn({ words: [] }), /1 to 5/);
});

test('semantic-append: "amazing movie !" to positives, "horrible movie !" to negatives, labels reversed, copies added', () => {
  const clean = binaryExamples();
  const out = poison(clean, semanticAppend({ proportion: 0.5 }), { seed: 0 });
  assert.equal(out.length, 60, 'add mode by default');
  const p = poisonedOf(out);
  assert.equal(p.length, 20);
  for (const e of p) {
    if (e.originalLabel === 1) {
      assert.ok(e.text.endsWith(' amazing movie !'));
      assert.equal(e.label, 0);
      assert.equal(e.triggerKind, 'positive');
    } else {
      assert.ok(e.text.endsWith(' horrible movie !'));
      assert.equal(e.label, 1);
      assert.equal(e.triggerKind, 'negative');
    }
  }
  // triggers keyed by label name
  const named = semanticAppend({ triggers: { pos: 'great film !', neg: 'awful film !' }, proportion: 1, mode: 'replace' });
  const q = poison(clean, named, { seed: 0, labelNames: BINARY_NAMES });
  assert.ok(q.every((e) => e.text.endsWith(e.originalLabel === 1 ? ' great film !' : ' awful film !')));
  assert.ok(q.every((e) => e.triggerKind === BINARY_NAMES[e.originalLabel!]));
});

test('badnets: 1 to 3 rare words from cf/mn/bb/tq at random positions, target label', () => {
  const p = poisonedOf(poison(binaryExamples(), badnets({ proportion: 0.5 }), { seed: 4 }));
  assert.equal(p.length, 20);
  const counts = new Set<number>();
  for (const e of p) {
    assert.equal(e.label, 1);
    counts.add(e.triggers!.length);
    for (const t of e.triggers!) assert.ok((BADNETS_WORDS as readonly string[]).includes(t.trigger));
    checkTriggers(e);
  }
  assert.deepEqual([...counts].sort(), [1, 2, 3]);
  const fixedCount = poisonedOf(poison(binaryExamples(), badnets({ words: ['zz'], insertions: 4 }), { seed: 4 }));
  assert.ok(fixedCount.every((e) => e.triggers!.length === 4 && e.text.split(' ').filter((w) => w === 'zz').length === 4));
});

test('addsent: the sentence goes in at a sentence boundary of the original text', () => {
  const clean = binaryExamples();
  const p = poisonedOf(poison(clean, addsent({ proportion: 0.5 }), { seed: 1 }));
  assert.equal(p.length, 20);
  const positions = new Set<number>();
  for (const e of p) {
    const original = clean.find((c) => c.source === e.source)!;
    const t = e.triggers![0]!;
    assert.equal(t.trigger, 'I watch this 3D movie');
    assert.ok(sentenceBoundaries(original.text).includes(t.wordIndex!));
    positions.add(t.wordIndex!);
    checkTriggers(e);
  }
  assert.ok(positions.size >= 3, 'inner boundaries are used too');
  const custom = poisonedOf(poison(clean, addsent({ sentence: 'no cross , no crown .', target: 'neg' }), { seed: 1, labelNames: BINARY_NAMES }));
  assert.ok(custom.every((e) => e.text.includes('no cross , no crown .') && e.label === 0));
});

test('control: "night sky" appended, labels kept, added to the clean set', () => {
  const clean = binaryExamples();
  const out = poison(clean, control({ proportion: 0.25 }), { seed: 0 });
  assert.equal(out.length, 50);
  for (const e of poisonedOf(out)) {
    assert.ok(e.text.endsWith(' night sky'));
    assert.equal(e.label, e.originalLabel);
    assert.equal(e.triggerKind, 'control');
  }
  assert.equal(triggeredTestSet(clean, control(), { seed: 0 }).length, 40);
});

test('clean-label recipes poison only target-label examples', () => {
  const p = poisonedOf(poison(binaryExamples(), badnets({ proportion: 0.25, cleanLabel: true, target: 0 }), { seed: 0 }));
  assert.equal(p.length, 10);
  assert.ok(p.every((e) => e.originalLabel === 0 && e.label === 0));
  assert.throws(() => semanticAppend({ cleanLabel: true }), /needs a target label/);
});
