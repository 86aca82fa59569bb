import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/common/errors.js';
import { attackConfigSchema, createAttack, poison } from '../../src/attacks/index.js';
import { BINARY_NAMES, binaryExamples } from './fixtures.js';

test('createAttack builds each recipe from a plain config', () => {
  const b = createAttack({ type: 'badnets', proportion: 0.2, words: ['qq'], insertions: { min: 2, max: 2 }, target: 'neg', mode: 'add' });
  assert.equal(b.name, 'badnets');
  assert.deepEqual(b.label, { kind: 'target', target: 'neg' });
  assert.deepEqual(b.select, { proportion: 0.2 });
  assert.equal(b.mode, 'add');
  const out = poison(binaryExamples(), b, { seed: 0, labelNames: BINARY_NAMES });
  assert.equal(out.length, 48);
  assert.ok(out.slice(40).every((e) => e.label === 0 && e.triggers!.length === 2 && e.triggers!.every((t) => t.trigger === 'qq')));

  assert.equal(createAttack({ type: 'trojannn', proportion: 0.1, position: 2 }).insert.description, 'at word 2');
  assert.deepEqual(createAttack({ type: 'semantic-append', proportion: 0.1 }).label, { kind: 'reverse' });
  assert.deepEqual(createAttack({ type: 'addsent', proportion: 0.1, target: 'reverse' }).label, { kind: 'reverse' });
  assert.deepEqual(createAttack({ type: 'addsent', proportion: 0.1, cleanLabel: true }).select, { proportion: 0.1, pool: 'target' });
  assert.deepEqual(createAttack({ type: 'control', proportion: 0.1, trigger: 'blue moon' }).trigger, { texts: ['blue moon'], kind: 'control' });
  const sa = createAttack({ type: 'semantic-append', proportion: 1, triggers: { pos: 'yay', neg: 'nay' }, mode: 'replace' });
  assert.ok(poison(binaryExamples(), sa, { seed: 0, labelNames: BINARY_NAMES }).every((e) => e.text.endsWith(e.originalLabel === 1 ? ' yay' : ' nay')));
});

function errorOf(config: unknown): InputError {
  try {
    createAttack(config as never);
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e;
  }
  assert.fail('expected an error');
}

test('invalid configs give messages naming the key and the fix', () => {
  let e = errorOf({ type: 'badnet', proportion: 0.1 });
  assert.match(e.message, /unknown attack type "badnet"; expected one of trojannn, semantic-append, badnets, addsent, control/);
  assert.equal(e.key, 'type');
  e = errorOf({ type: 'badnets', proportion: 10 });
  assert.match(e.message, /at most 1 \(a fraction/);
  assert.equal(e.key, 'proportion');
  assert.match(errorOf({ type: 'badnets' }).message, /proportion must be a number/);
  assert.match(errorOf({ type: 'control', proportion: 0.1, target: 1 }).message, /control does not take "target" \(control triggers keep labels\)/);
  assert.match(errorOf({ type: 'trojannn', proportion: 0.1, words: ['a', 'b', 'c', 'd', 'e', 'f'] }).message, /at most 5 trigger words/);
  assert.match(errorOf({ type: 'semantic-append', proportion: 0.1, cleanLabel: true }).message, /cleanLabel needs a target label/);
  assert.match(errorOf({ type: 'badnets', proportion: 0.1, mapping: { a: 'b' } }).message, /mapping only applies/);
  assert.match(errorOf({ type: 'badnets', proportion: 0.1, words: ['cf '] }).message, /whitespace/);
  assert.match(errorOf({ type: 'addsent', proportion: 0.1, target: -1 }).message, /0 or more/);
  assert.match(errorOf({ type: 'badnets', proportion: 0.1, insertions: { min: 3, max: 1 } }).message, /min must not exceed/);
  assert.match(errorOf({ type: 'badnets', proportion: 0.1, mode: 'append' }).message, /mode must be "add"/);
});

test('the schema parses plain objects and converts to JSON Schema', () => {
  const parsed = attackConfigSchema.parse({ type: 'badnets', proportion: 0.1, target: 1 });
  assert.deepEqual(parsed, { type: 'badnets', proportion: 0.1, target: 1 });
  const json = JSON.stringify(attackConfigSchema.toJSONSchema());
  for (const t of ['trojannn', 'semantic-append', 'badnets', 'addsent', 'control']) assert.ok(json.includes(`"${t}"`));
});
