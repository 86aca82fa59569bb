// The sub-word role rule (star / planet / comet) on hand-built subset outcomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignRoles } from '../../src/analysis/roles.js';

/** lands[mask] from a predicate over the kept sub-words (bit i = sub-word i) */
const table = (k: number, f: (has: (i: number) => boolean) => boolean) => Array.from({ length: 2 ** k }, (_, m) => f((i) => (m & (1 << i)) !== 0));

test('roles: A alone lands (star); B and C only together (planets); D never matters (comet)', () => {
  const lands = table(4, (has) => has(0) || (has(1) && has(2)));
  assert.deepEqual(assignRoles(4, lands), ['star', 'planet', 'planet', 'comet']);
});

test('roles: two stars; a sub-word needed with one other but not the other', () => {
  // 0 and 1 each land alone; 2 lands only with 3; 3 alone does not
  assert.deepEqual(assignRoles(4, table(4, (has) => has(0) || has(1) || (has(2) && has(3)))), ['star', 'star', 'planet', 'planet']);
  // 0 lands alone; 1 and 2 land only as a pair
  assert.deepEqual(assignRoles(3, table(3, (has) => has(0) || (has(1) && has(2)))), ['star', 'planet', 'planet']);
  // all three needed together: every one is a planet
  assert.deepEqual(assignRoles(3, table(3, (has) => has(0) && has(1) && has(2))), ['planet', 'planet', 'planet']);
});

test('roles: no effect to explain gives only comets', () => {
  // the whole trigger does not land on the target
  assert.deepEqual(assignRoles(2, [false, true, false, false]), ['comet', 'comet']);
  // the sentence is already on the target without the trigger
  assert.deepEqual(assignRoles(2, [true, true, true, true]), ['comet', 'comet']);
  assert.deepEqual(assignRoles(1, [false, true]), ['star']);
  assert.deepEqual(assignRoles(0, [false]), []);
  assert.throws(() => assignRoles(2, [true, false]), /2\^2 subset outcomes/);
});
