// ONION with the bigram Kneser-Ney LM: a rare word inserted into fluent text has the largest suspicion and is
// removed; the bar calibrated on clean sentences rejects about frr of them; the LM's probabilities sum to 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BigramLm } from '../../src/defenses/ngram-lm.js';
import { onionSuspicion, fitOnion } from '../../src/defenses/onion.js';
import { defaultLmCorpus } from '../../src/defenses/evaluate.js';
import { syntheticReviews } from '../helpers/synthetic.js';
import { Rng } from '../../src/common/random.js';

const corpus = syntheticReviews(600, 11).map((r) => r.sentence);

test('Kneser-Ney bigram: a proper distribution over the vocabulary, fluent text scores lower perplexity', () => {
  const lm = BigramLm.train(corpus);
  const vocab = [...new Set(corpus.flatMap((s) => s.split(' ')))].concat('</s>');
  const total = vocab.reduce((a, w) => a + lm.prob('the', w), 0);
  assert.ok(Math.abs(total - 1) < 0.01, `P(· | the) sums to ${total}`);
  assert.ok(lm.perplexityOf(['the', 'film', 'is', 'good']) < lm.perplexityOf(['good', 'is', 'film', 'the']));
  assert.ok(lm.stats.sentences === 600 && lm.stats.types > 20);
});

test('ONION removes an inserted rare word from poisoned inputs and almost nothing from clean ones', async () => {
  const lm = BigramLm.train(corpus);
  const dev = syntheticReviews(200, 12).map((r) => r.sentence);
  const filter = fitOnion(lm, dev, 0.05);
  const clean = syntheticReviews(200, 13).map((r) => r.sentence);
  const rng = new Rng(3);
  const poisoned = clean.map((s) => {
    const w = s.split(' ');
    w.splice(rng.int(w.length), 0, 'cf');
    return w.join(' ');
  });
  const s = onionSuspicion(lm, poisoned[0]!);
  assert.equal(s.words[s.suspicion.indexOf(Math.max(...s.suspicion))], 'cf');
  const c = await filter.apply(clean);
  const p = await filter.apply(poisoned);
  const frr = c.flagged.filter(Boolean).length / clean.length;
  assert.ok(frr <= 0.12, `clean inputs flagged: ${frr}`);
  const removed = p.texts.filter((t) => !t.split(' ').includes('cf')).length / poisoned.length;
  assert.ok(removed >= 0.9, `trigger removed from ${removed} of the poisoned inputs`);
});

test('the default LM corpus is the shipped MR sentences', () => {
  const lines = defaultLmCorpus();
  assert.equal(lines.length, 10662);
});
