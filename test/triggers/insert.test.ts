import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/common/random.js';
import {
  atEnd,
  atRandomPositions,
  atSentenceBoundary,
  atStart,
  atWord,
  insertAtEnd,
  insertAtRandom,
  insertAtSentenceBoundary,
  insertAtStart,
  insertAtWord,
  oneOf,
  sentenceBoundaries,
  type InsertionResult,
  type InsertionStrategy,
} from '../../src/triggers/index.js';

const KAOMOJI = '(づ｡◕‿‿◕｡)づ';
const TEXTS = [
  'the film is a charming , often hilarious ride .',
  'Bad.  Really   bad!\tAvoid it? yes',
  'one',
  '',
  '   ',
  '  leading and trailing spaces  ',
  'A first sentence. A second one! And a third? The end',
];
const TRIGGERS = ['cf', 'amazing movie !', KAOMOJI, 'I watch this 3D movie', 'The Lord of the Rings'];

/** Every record points at its trigger, and removing the triggers gives back the original words. */
function checkResult(original: string, r: InsertionResult, expectedCount: number): void {
  assert.equal(r.insertions.length, expectedCount);
  for (const ins of r.insertions) {
    assert.equal(r.text.slice(ins.start, ins.end), ins.trigger, `${JSON.stringify(r.text)} at ${ins.start}`);
  }
  const sorted = [...r.insertions].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]!.start > sorted[i - 1]!.end, 'insertions overlap');
  let rest = '';
  let at = 0;
  for (const ins of sorted) {
    rest += r.text.slice(at, ins.start) + ' ';
    at = ins.end;
  }
  rest += r.text.slice(at);
  assert.deepEqual(rest.split(/\s+/).filter(Boolean), original.split(/\s+/).filter(Boolean));
}

test('insertAtWord puts the trigger before word k, keeping the original whitespace', () => {
  const r = insertAtWord('a b\tc  d e f g', 'TRIG', 5);
  assert.equal(r.text, 'a b\tc  d e TRIG f g');
  assert.deepEqual(r.insertions, [{ trigger: 'TRIG', start: 11, end: 15, wordIndex: 5 }]);
  assert.equal(insertAtWord('x y', 'T', 0).text, 'T x y');
});

test('insertAtWord falls back to the end for inputs with k words or fewer', () => {
  assert.deepEqual(insertAtWord('a b c', 'T', 5), { text: 'a b c T', insertions: [{ trigger: 'T', start: 6, end: 7, wordIndex: 3 }] });
  assert.deepEqual(insertAtWord('a b c d e', 'T', 5).insertions[0]!.wordIndex, 5);
  assert.equal(insertAtWord('a b c d e', 'T', 5).text, 'a b c d e T');
  assert.equal(insertAtWord('a b c ', 'T', 9).text, 'a b c T ', 'trailing whitespace stays after the trigger');
  assert.throws(() => insertAtWord('a', 'T', -1), /non-negative/);
});

test('start and end insertion, including empty and whitespace-only texts', () => {
  assert.deepEqual(insertAtStart('  hello world', 'T'), { text: '  T hello world', insertions: [{ trigger: 'T', start: 2, end: 3, wordIndex: 0 }] });
  assert.deepEqual(insertAtEnd('hello world.\n', 'night sky'), {
    text: 'hello world. night sky\n',
    insertions: [{ trigger: 'night sky', start: 13, end: 22, wordIndex: 2 }],
  });
  assert.deepEqual(insertAtEnd('', 'T'), { text: 'T', insertions: [{ trigger: 'T', start: 0, end: 1, wordIndex: 0 }] });
  assert.equal(insertAtStart('   ', 'T').text, 'T   ');
});

test('triggers with surrounding whitespace or empty triggers are rejected', () => {
  assert.throws(() => insertAtEnd('a', ''), /non-empty/);
  assert.throws(() => insertAtEnd('a', ' cf'), /whitespace/);
  assert.throws(() => insertAtRandom('a', 'cf ', 1, new Rng(1)), /whitespace/);
});

test('text.slice(start, end) === trigger for every strategy, trigger and text, including repeated insertions', () => {
  const strategies: [InsertionStrategy, (text: string) => number][] = [
    [atWord(0), () => 1],
    [atWord(2), () => 1],
    [atWord(5), () => 1],
    [atStart(), () => 1],
    [atEnd(), () => 1],
    [atRandomPositions(1), () => 1],
    [atRandomPositions(4), () => 4],
    [atSentenceBoundary(), () => 1],
  ];
  let checked = 0;
  for (let seed = 0; seed < 20; seed++) {
    for (const text of TEXTS) {
      for (const trig of TRIGGERS) {
        for (const [s, n] of strategies) {
          const r = s(text, trig, new Rng(seed));
          checkResult(text, r, n(text));
          // a second round into the already-triggered text must keep the first records exact too
          const again = s(r, trig, new Rng(seed + 1000));
          checkResult(text, again, 2 * n(text));
          checked++;
        }
      }
    }
  }
  assert.equal(checked, 20 * TEXTS.length * TRIGGERS.length * strategies.length);
});

test('many random insertions of a multi-word trigger never split an earlier copy', () => {
  const text = 'w0 w1 w2';
  for (let seed = 0; seed < 50; seed++) {
    const r = insertAtRandom(text, 'amazing movie !', 12, new Rng(seed));
    checkResult(text, r, 12);
    // 12 intact copies and the three original words
    assert.equal(r.text.split('amazing movie !').length - 1, 12);
  }
});

test('wordIndex of a random insertion counts the original words before it', () => {
  const text = 'a b c d';
  for (let seed = 0; seed < 30; seed++) {
    const r = insertAtRandom(text, 'X Y', 3, new Rng(seed));
    for (const ins of r.insertions) {
      const before = r.text.slice(0, ins.start).split(/\s+/).filter((w) => /^[a-d]$/.test(w)).length;
      assert.equal(ins.wordIndex, before);
    }
  }
});

test('random insertion is seeded: same seed same text, other seeds other texts; positions cover every gap', () => {
  const text = 'the quick brown fox jumps over the lazy dog';
  assert.deepEqual(insertAtRandom(text, 'cf', 3, new Rng(7)), insertAtRandom(text, 'cf', 3, new Rng(7)));
  const outcomes = new Set<string>();
  for (let seed = 0; seed < 20; seed++) outcomes.add(insertAtRandom(text, 'cf', 3, new Rng(seed)).text);
  assert.ok(outcomes.size > 10, `only ${outcomes.size} distinct outputs from 20 seeds`);
  const counts = [0, 0, 0, 0];
  for (let seed = 0; seed < 4000; seed++) counts[insertAtRandom('a b c', 'T', 1, new Rng(seed)).insertions[0]!.wordIndex!]!++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `gap counts ${counts} are not uniform`);
});

test('insertAtRandom continues from an earlier result: n one-at-a-time steps equal n at once (E metric use)', () => {
  const text = 'it is a truly wonderful film . go see it';
  const stepRng = new Rng(3);
  let r: InsertionResult | string = text;
  const steps: InsertionResult[] = [];
  for (let i = 0; i < 5; i++) {
    r = insertAtRandom(r, 'mn', 1, stepRng);
    steps.push(r);
  }
  assert.deepEqual(steps[4], insertAtRandom(text, 'mn', 5, new Rng(3)));
  steps.forEach((s, i) => assert.equal(s.insertions.length, i + 1));
  assert.deepEqual(insertAtRandom(text, 'mn', 0, new Rng(3)), { text, insertions: [] });
});

test('a multi-candidate trigger draws a candidate per insertion', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 30; seed++) {
    const r = insertAtRandom('x y z', oneOf(['cf', 'mn', 'bb', 'tq']), 3, new Rng(seed));
    for (const ins of r.insertions) seen.add(ins.trigger);
    checkResult('x y z', r, 3);
  }
  assert.deepEqual([...seen].sort(), ['bb', 'cf', 'mn', 'tq']);
});

test('range of insertion counts is drawn inclusively', () => {
  const s = atRandomPositions({ min: 1, max: 3 });
  const counts = new Set<number>();
  for (let seed = 0; seed < 60; seed++) counts.add(s('a b c d', 'cf', new Rng(seed)).insertions.length);
  assert.deepEqual([...counts].sort(), [1, 2, 3]);
  assert.throws(() => atRandomPositions({ min: 3, max: 1 }), /min <= max/);
  assert.throws(() => atRandomPositions(0), /min <= max/);
});

test('sentence boundaries: start, after sentence-final words, end; insertions land only there', () => {
  const text = 'Great film. Loved it! "Really?" The end';
  assert.deepEqual(sentenceBoundaries(text), [0, 2, 4, 5, 7]);
  assert.deepEqual(sentenceBoundaries('no boundary here'), [0, 3]);
  assert.deepEqual(sentenceBoundaries(''), [0]);
  const seen = new Set<number>();
  for (let seed = 0; seed < 100; seed++) {
    const r = insertAtSentenceBoundary(text, 'I watch this 3D movie', new Rng(seed));
    seen.add(r.insertions[0]!.wordIndex!);
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 2, 4, 5, 7]);
  assert.equal(insertAtSentenceBoundary('Good. Bad.', 'S', new Rng(0)).text.split('S').length, 2);
});
