import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyTrigger,
  asrGoalOf,
  count,
  keep,
  poison,
  proportion,
  recipe,
  reverse,
  target,
  triggeredTestSet,
  type PoisonRecipe,
} from '../../src/attacks/index.js';
import { atEnd, atRandomPositions, atWord, fixed, perLabel } from '../../src/triggers/index.js';
import { BINARY_NAMES, binaryDataset, binaryExamples, checkTriggers, threeClassExamples } from './fixtures.js';

const base = (over: Partial<PoisonRecipe> = {}): PoisonRecipe =>
  recipe({ name: 'test', trigger: 'cf', insert: atRandomPositions(2), label: target(1), select: proportion(0.25), mode: 'replace', ...over });

test('replace mode: round(p·N) non-target examples get the trigger and the target label; the rest are untouched', () => {
  const clean = binaryExamples();
  const before = structuredClone(clean);
  const out = poison(clean, base(), { seed: 1 });
  assert.deepEqual(clean, before, 'input not modified');
  assert.equal(out.length, 40);
  const poisoned = out.filter((e) => e.poisoned);
  assert.equal(poisoned.length, 10);
  out.forEach((e, i) => {
    if (!e.poisoned) return assert.deepEqual(e, clean[i]);
    assert.equal(e.label, 1);
    assert.equal(e.originalLabel, 0, 'dirty-label poisoning takes non-target examples by default');
    assert.equal(clean[i]!.label, 0);
    assert.equal(e.source, clean[i]!.source);
    assert.equal(e.triggerKind, 'test');
    assert.equal(e.triggers!.length, 2);
    checkTriggers(e);
  });
});

test('add mode keeps the whole clean set and appends the poisoned copies', () => {
  const clean = binaryExamples();
  const out = poison(clean, base({ mode: 'add' }), { seed: 1 });
  assert.equal(out.length, 50);
  assert.deepEqual(out.slice(0, 40), clean);
  assert.ok(out.slice(40).every((e) => e.poisoned && e.label === 1 && e.originalLabel === 0));
  // the same examples are chosen as in replace mode for the same seed
  const replaced = poison(clean, base(), { seed: 1 }).filter((e) => e.poisoned);
  assert.deepEqual(out.slice(40), replaced);
});

test('poisoned sets are reproducible from the seed and differ across seeds', () => {
  const clean = binaryExamples();
  assert.deepEqual(poison(clean, base(), { seed: 42 }), poison(clean, base(), { seed: 42 }));
  const a = poison(clean, base(), { seed: 42 });
  const b = poison(clean, base(), { seed: 43 });
  assert.notDeepEqual(a, b);
  const chosen = (x: typeof a) => x.flatMap((e, i) => (e.poisoned ? [i] : []));
  assert.notDeepEqual(chosen(a), chosen(b), 'different seeds choose different examples');
});

test('clean-label mode poisons only examples already of the target label and keeps their labels', () => {
  const out = poison(binaryExamples(), base({ select: proportion(0.25, 'target') }), { seed: 3 });
  const p = out.filter((e) => e.poisoned);
  assert.equal(p.length, 10);
  assert.ok(p.every((e) => e.label === 1 && e.originalLabel === 1));
  assert.throws(() => base({ label: reverse(), select: proportion(0.1, 'target') }), /needs a target label/);
});

test('the count option and the not-enough-eligible-examples error', () => {
  assert.equal(poison(binaryExamples(), base({ select: count(7) }), { seed: 0 }).filter((e) => e.poisoned).length, 7);
  // 20 examples are not of the target label; 21 cannot be poisoned
  assert.throws(() => poison(binaryExamples(), base({ select: count(21) }), { seed: 0 }), /only 20 are eligible/);
  assert.throws(() => poison(binaryExamples(), base({ select: proportion(1.5) }), { seed: 0 }), /\[0, 1\]/);
});

test('reverse flips binary labels; multi-class needs a mapping, and unmapped labels are not poisoned', () => {
  const out = poison(binaryExamples(), base({ label: reverse(), select: proportion(0.5) }), { seed: 9 });
  const p = out.filter((e) => e.poisoned);
  assert.equal(p.length, 20);
  assert.ok(p.every((e) => e.label === 1 - e.originalLabel!));
  assert.ok(p.some((e) => e.originalLabel === 0) && p.some((e) => e.originalLabel === 1));

  const three = threeClassExamples();
  assert.throws(() => poison(three, base({ label: reverse() }), { seed: 0 }), /only defined for 2 labels.*mapping/);
  const names = ['ABBR', 'DESC', 'HUM'];
  const mapped = poison(three, base({ label: reverse({ ABBR: 'HUM', 1: 0 }), select: count(20) }), { seed: 0, labelNames: names });
  const mp = mapped.filter((e) => e.poisoned);
  assert.equal(mp.length, 20);
  for (const e of mp) assert.equal(e.label, e.originalLabel === 0 ? 2 : 0);
  assert.ok(mp.every((e) => e.originalLabel !== 2), 'HUM has no mapping');
  assert.throws(() => poison(three, base({ label: reverse({ ABBR: 'ABBR' }) }), { seed: 0, labelNames: names }), /to itself/);
});

test('per-label triggers: each source label gets its own trigger and kind', () => {
  const r = base({
    trigger: perLabel({ pos: fixed('amazing movie !', 'positive'), neg: fixed('horrible movie !', 'negative') }),
    insert: atEnd(),
    label: reverse(),
    select: proportion(1),
  });
  const out = poison(binaryExamples(), r, { seed: 0, labelNames: BINARY_NAMES });
  assert.ok(out.every((e) => e.poisoned));
  for (const e of out) {
    const [want, kind] = e.originalLabel === 1 ? ['amazing movie !', 'positive'] : ['horrible movie !', 'negative'];
    assert.ok(e.text.endsWith(' ' + want));
    assert.equal(e.triggerKind, kind);
    assert.equal(e.triggers![0]!.trigger, want);
    checkTriggers(e);
  }
  assert.throws(() => poison(binaryExamples(), r, { seed: 0 }), /unknown label "pos"/, 'names need labelNames');
});

test('a Dataset gets its train split poisoned, label names resolved, dev and test untouched', () => {
  const ds = binaryDataset();
  const out = poison(ds, base({ label: target('neg') }), { seed: 2 });
  assert.equal(out.train.filter((e) => e.poisoned).length, 10);
  assert.ok(out.train.filter((e) => e.poisoned).every((e) => e.label === 0 && e.originalLabel === 1));
  assert.deepEqual(out.test, ds.test);
  assert.deepEqual(out.dev, ds.dev);
  assert.match(out.provenance!, /poisoned with test \(replace, seed 2\)/);
});

test('triggered test set: target attacks skip target-label inputs; reversals take all; clean set untouched', () => {
  const ds = binaryDataset();
  const before = structuredClone(ds.test);
  const t = triggeredTestSet(ds, base({ insert: atWord(1) }), { seed: 0 });
  assert.deepEqual(ds.test, before);
  assert.equal(t.length, 5);
  for (const e of t) {
    assert.equal(e.label, 1, 'expected label is the target');
    assert.equal(e.originalLabel, 0);
    assert.equal(e.triggers![0]!.wordIndex, 1);
    checkTriggers(e);
  }
  assert.deepEqual(asrGoalOf(base()), { target: 1 });

  const rev = triggeredTestSet(ds, base({ label: reverse() }), { seed: 0 });
  assert.equal(rev.length, 10);
  assert.ok(rev.every((e) => e.label === 1 - e.originalLabel!));
  assert.deepEqual(asrGoalOf(base({ label: reverse() })), { flip: true });

  const ctl = triggeredTestSet(ds.test, base({ label: keep() }), { seed: 0 });
  assert.equal(ctl.length, 10);
  assert.ok(ctl.every((e) => e.label === e.originalLabel));
  assert.throws(() => asrGoalOf(base({ label: keep() })), /no attack success rate/);
  assert.deepEqual(triggeredTestSet(ds, base(), { seed: 5 }), triggeredTestSet(ds, base(), { seed: 5 }));
});

test('applyTrigger inserts into every example without changing labels and tags the kind', () => {
  const ex = binaryExamples(6);
  const out = applyTrigger(ex, 'night sky', atEnd(), { seed: 0, kind: 'control' });
  assert.equal(out.length, 6);
  out.forEach((e, i) => {
    assert.equal(e.label, ex[i]!.label);
    assert.equal(e.text, ex[i]!.text + ' night sky');
    assert.equal(e.triggerKind, 'control');
  });
});

test('poisoning a poisoned set keeps the first original label and every trigger record', () => {
  const once = poison(binaryExamples(), base({ insert: atWord(1), label: reverse(), select: proportion(1), trigger: 'aa bb' }), { seed: 0 });
  const twice = poison(once, base({ insert: atWord(0), label: reverse(), select: proportion(1), trigger: 'cc' }), { seed: 0 });
  twice.forEach((e, i) => {
    assert.equal(e.label, binaryExamples()[i]!.label, 'reversed twice');
    assert.equal(e.originalLabel, binaryExamples()[i]!.label);
    assert.deepEqual(e.triggers!.map((t) => t.trigger), ['aa bb', 'cc']);
    checkTriggers(e);
    assert.ok(e.text.startsWith('cc '));
  });
});

test('the ASR goal of a mapped reversal is its mapping, resolved by label name or index', () => {
  const names = ['world', 'sports', 'business', 'sci/tech'];
  const r = base({ label: reverse({ sports: 'world', '2': 3 }) });
  assert.deepEqual(asrGoalOf(r, names), { mapping: { 1: 0, 2: 3 } });
  // the triggered test set asks for the same labels the goal counts
  const ex = Array.from({ length: 8 }, (_, i) => ({ text: `news item ${i} today`, label: i % 4 }));
  const t = triggeredTestSet(ex, r, { seed: 0, labelNames: names });
  assert.deepEqual(t.map((e) => [e.originalLabel, e.label]), [[1, 0], [2, 3], [1, 0], [2, 3]]);
});

test('poison counts: round(p·N) of the whole clean set when p·N is not whole; p = 0 poisons nothing', () => {
  const clean = binaryExamples(40);
  // p·N = 4.4, 4.8, 5 (exactly), 2.5 (a half rounds up), 0.2
  for (const [p, n, want] of [[0.11, 40, 4], [0.12, 40, 5], [0.125, 40, 5], [0.25, 10, 3], [0.02, 10, 0]] as const) {
    const data = clean.slice(0, n);
    for (const mode of ['replace', 'add'] as const) {
      const out = poison(data, base({ select: proportion(p), mode }), { seed: 3 });
      assert.equal(out.filter((e) => e.poisoned).length, want, `p ${p}, N ${n}, ${mode}`);
      assert.equal(out.length, mode === 'add' ? n + want : n);
    }
  }
  for (const mode of ['replace', 'add'] as const) {
    const out = poison(clean, base({ select: proportion(0), mode }), { seed: 3 });
    assert.deepEqual(out, clean, `p = 0 (${mode}) returns the clean set unchanged`);
  }
  assert.equal(poison(clean, base({ select: count(0) }), { seed: 3 }).filter((e) => e.poisoned).length, 0);
});

