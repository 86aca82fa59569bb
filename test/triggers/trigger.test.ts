import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/common/random.js';
import { InputError } from '../../src/common/errors.js';
import { drawText, fixed, oneOf, perLabel, resolveLabelKey, triggerForLabel } from '../../src/triggers/index.js';

test('per-label triggers resolve by label name or index, and default their kind to the label name', () => {
  const names = ['neg', 'pos'];
  const t = perLabel({ pos: 'amazing movie !', 0: fixed('horrible movie !', 'negative') });
  assert.deepEqual(triggerForLabel(t, 1, names), { texts: ['amazing movie !'], kind: 'pos' });
  assert.deepEqual(triggerForLabel(t, 0, names), { texts: ['horrible movie !'], kind: 'negative' });
  assert.equal(triggerForLabel(perLabel({ pos: 'x' }), 0, names), undefined, 'no trigger for neg');
  assert.deepEqual(triggerForLabel('cf', 0, names), { texts: ['cf'] }, 'a plain string applies to every label');
});

test('a misspelt or out-of-range label key is an error, not a silently unused trigger', () => {
  assert.throws(() => triggerForLabel(perLabel({ positive: 'x' }), 0, ['neg', 'pos']), (e: unknown) => e instanceof InputError && /unknown label "positive"; labels are "neg", "pos"/.test(e.message));
  assert.throws(() => triggerForLabel(perLabel({ 2: 'x' }), 0, ['neg', 'pos']), /out of range/);
  assert.throws(() => triggerForLabel(perLabel({ 1: 'x', pos: 'y' }), 1, ['neg', 'pos']), /two triggers/);
});

test('label names win over indices', () => {
  assert.equal(resolveLabelKey('1', ['1', '0']), 0);
  assert.equal(resolveLabelKey('1', ['a', 'b']), 1);
  assert.equal(resolveLabelKey(0, ['a', 'b']), 0);
});

test('drawText draws every candidate of oneOf and validates strings', () => {
  const t = oneOf(['cf', 'mn']);
  const rng = new Rng(5);
  const seen = new Set(Array.from({ length: 40 }, () => drawText(t, rng)));
  assert.deepEqual([...seen].sort(), ['cf', 'mn']);
  assert.throws(() => oneOf([]), /at least one/);
  assert.throws(() => fixed(''), /non-empty/);
  assert.throws(() => fixed('night sky '), /whitespace/);
});
