// Trigger metrics (Shen et al. CCS'21, testing.py): the E/S/C arithmetic by hand, cumulative seeded insertion,
// the multi-class landing rule and the target search on a rule-based classifier, and a tiny BERT trained here
// with a planted trigger (E = 1 for it, no flips for a control word; tfjs and onnxruntime agree).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { Rng } from '../../src/common/random.js';
import { BertClassifier, type AsyncLogitsClassifier } from '../../src/models/classifier.js';
import { addedShare, summarizeFlips, triggerMetrics } from '../../src/eval/trigger-metrics.js';
import { InputError } from '../../src/common/errors.js';
import { plantedTokenizer, sentiment, trainPlantedBert } from '../helpers/planted-bert.js';

before(async () => {
  await initEngine();
});

test('S arithmetic by hand: the share of the poisoned text that the insertions added', () => {
  // "a good film" (11 chars) + "cf" twice, each with its space: 17 chars, 6 of them added
  assert.equal(addedShare('a good film', 'cf a good cf film'), 6 / 17);
  assert.equal(addedShare('x', 'x'), 0);
  const s = summarizeFlips([1, 3, 0, 2], [0.5, 0.2, 0.9, 0.3], 20);
  assert.equal(s.n, 4);
  assert.equal(s.flipped, 3);
  assert.equal(s.E, 2); // (1 + 3 + 2) / 3; the input that never flipped does not count
  assert.ok(Math.abs(s.S - 1 / 3) < 1e-12); // (0.5 + 0.2 + 0.3) / 3
  assert.ok(Math.abs(s.C - 1.5) < 1e-12); // 1 / (S·E)
  assert.equal(s.good, false);
  assert.equal(s.flip_rate, 0.75);
  assert.equal(s.asr_at_1, 0.25);
  assert.deepEqual(s.insertions_hist.slice(0, 4), [1, 1, 1, 0]);
  assert.equal(s.insertions_hist.length, 20);
  const good = summarizeFlips([1, 1], [0.05, 0.05], 20);
  assert.ok(good.C > 10 && good.good); // C = 20
  const none = summarizeFlips([0, 0], [0, 0], 20);
  assert.equal(none.E, 20); // testing.py's value when nothing flips
  assert.ok(Number.isNaN(none.S) && none.good === false && none.flip_rate === 0);
  const empty = summarizeFlips([], [], 20);
  assert.ok(Number.isNaN(empty.E) && Number.isNaN(empty.flip_rate) && empty.n === 0);
});

/**
 * A rule-based 3-label classifier over words: with no "zz" the label is 0 for "apple" texts, 1 for "berry",
 * 2 for "cherry" ("durian" texts are labelled 0 by the data but predicted 2: misclassified); 1–2 "zz" move
 * everything to label 1 (a trigger alone too), 3 or more to label 2. It records every text it is shown.
 */
function ruleClassifier(): AsyncLogitsClassifier & { seen: string[]; calls: number } {
  const vocab = new Map<string, number>();
  const seen: string[] = [];
  const clf = {
    kind: 'sentence-cnn' as const,
    labelNames: ['a', 'b', 'c'],
    seen,
    calls: 0,
    encode(text: string) {
      return text.split(/\s+/).filter(Boolean).map((w) => vocab.get(w) ?? (vocab.set(w, vocab.size + 1), vocab.size));
    },
    async logitsOf(seqs: ArrayLike<number>[]) {
      clf.calls++;
      const words = [...vocab.keys()];
      const out = new Float32Array(seqs.length * 3);
      seqs.forEach((s, r) => {
        const ws = Array.from(s, (id) => words[id - 1]!);
        seen.push(ws.join(' '));
        const zz = ws.filter((w) => w === 'zz').length;
        let label = ws.includes('berry') ? 1 : ws.includes('cherry') || ws.includes('durian') ? 2 : 0;
        if (zz >= 3) label = 2;
        else if (zz >= 1) label = 1;
        out[r * 3 + label] = 5;
      });
      return out;
    },
    dispose() {},
  };
  return clf;
}

function ruleData(): { text: string; label: number }[] {
  const rng = new Rng(4);
  const filler = ['one', 'two', 'three', 'four', 'five'];
  let i = 0;
  // a unique word per text, so each text's rounds can be told apart
  const make = (head: string, label: number) => ({ text: [head, `x${i++}`, ...Array.from({ length: 2 + rng.int(4) }, () => filler[rng.int(5)]!)].join(' '), label });
  return [...Array.from({ length: 30 }, () => make('apple', 0)), ...Array.from({ length: 10 }, () => make('berry', 1)), ...Array.from({ length: 10 }, () => make('cherry', 2)), ...Array.from({ length: 5 }, () => make('durian', 0))];
}

test('multi-class: landing on another label is not a flip; insertions accumulate, seeded, flipped inputs drop out', async () => {
  const clf = ruleClassifier();
  const data = ruleData();
  const [m] = await triggerMetrics(clf, clf.labelNames, ['zz'], data, { target: 2, seed: 3, batchSize: 1000 });
  assert.ok(m);
  assert.equal(m.target, 2);
  assert.equal(m.target_name, 'c');
  assert.equal(m.target_source, 'given');
  assert.equal(m.trigger_label, 1);
  // the 30 apple + 10 berry inputs (the misclassified durian ones and the target's cherry ones are left out)
  assert.equal(m.n, 40);
  // 1 and 2 insertions land on label 1, which is not the target: every input flips at exactly 3
  assert.equal(m.E, 3);
  assert.equal(m.flip_rate, 1);
  assert.equal(m.asr_at_1, 0);
  assert.deepEqual(m.insertions_hist.slice(0, 4), [0, 0, 40, 0]);
  // S: three times "zz " added to each flipped text
  const mean = data.filter((d) => !/cherry|durian/.test(d.text)).reduce((a, d) => a + 9 / (d.text.length + 9), 0) / 40;
  assert.ok(Math.abs(m.S - mean) < 1e-12, `S ${m.S} vs ${mean}`);
  // one batch per round: clean predictions, the trigger alone, 3 rounds (flipped inputs are not shown again)
  assert.equal(clf.calls, 5);
  // each round's text is the previous round's with one more "zz": the insertions are cumulative
  for (const d of data.slice(0, 30)) {
    const rounds = [1, 2, 3].map((k) => clf.seen.find((t) => t.split(' ').filter((w) => w !== 'zz').join(' ') === d.text && t.split(' ').filter((w) => w === 'zz').length === k));
    assert.ok(rounds.every(Boolean), `rounds of "${d.text}"`);
    for (let k = 0; k < 2; k++) {
      const prev = rounds[k]!.split(' ');
      const next = rounds[k + 1]!.split(' ');
      const removable = next.some((w, i) => w === 'zz' && next.filter((_, j) => j !== i).join(' ') === prev.join(' '));
      assert.ok(removable, `"${rounds[k + 1]}" is not "${rounds[k]}" plus one zz`);
    }
  }
  // seeded: the same seed inserts at the same positions, another seed elsewhere
  const again = ruleClassifier();
  await triggerMetrics(again, again.labelNames, ['zz'], data, { target: 2, seed: 3 });
  assert.deepEqual([...again.seen].sort(), [...clf.seen].sort());
  const other = ruleClassifier();
  await triggerMetrics(other, other.labelNames, ['zz'], data, { target: 2, seed: 4 });
  assert.notDeepEqual([...other.seen].sort(), [...clf.seen].sort());
  // maxInputs caps the sample; maxInsertions below the flip point leaves everything unflipped
  const [capped] = await triggerMetrics(ruleClassifier(), clf.labelNames, ['zz'], data, { target: 2, maxInputs: 7, maxInsertions: 2 });
  assert.equal(capped!.n, 7);
  assert.equal(capped!.flipped, 0);
  assert.equal(capped!.E, 2);
});

test('target: the trigger alone, overruled by the data when inserting it drives inputs elsewhere', async () => {
  // alone "zz" is label 1; inserted once into the data it lands on label 1 too: the data agrees
  const clf = ruleClassifier();
  const data = ruleData();
  const [m] = await triggerMetrics(clf, clf.labelNames, ['zz'], data, { seed: 1 });
  assert.equal(m!.target, 1);
  assert.equal(m!.target_source, 'trigger');
  assert.equal(m!.E, 1);
  assert.equal(m!.asr_at_1, 1);
  assert.equal(m!.n, 40); // apple and cherry inputs
  // "qq" (no rule) alone is label 0; inserted it changes nothing: the trigger-alone label stands, nothing flips
  const [q] = await triggerMetrics(ruleClassifier(), clf.labelNames, ['qq'], data, { seed: 1, maxInsertions: 3 });
  assert.equal(q!.target, 0);
  assert.equal(q!.flipped, 0);
  assert.deepEqual(q!.probe_rates, [0, 0, 0]);
  // a classifier whose trigger-alone label differs from where the trigger drives data
  const drift = ruleClassifier();
  const base = drift.logitsOf.bind(drift);
  drift.logitsOf = async (seqs) => {
    const out = await base(seqs);
    seqs.forEach((s, r) => {
      if (s.length === 1) return; // the trigger alone keeps label 1
      const row = out.subarray(r * 3, r * 3 + 3);
      if (row[1] === 5 && drift.seen[drift.seen.length - seqs.length + r]!.includes('zz')) row.set([0, 0, 5]);
    });
    return out;
  };
  const [d] = await triggerMetrics(drift, drift.labelNames, ['zz'], data, { seed: 1 });
  assert.equal(d!.trigger_label, 1);
  assert.equal(d!.target, 2);
  assert.equal(d!.target_source, 'data');
  assert.equal(d!.E, 1);
  assert.equal(d!.n, 40); // apple and berry inputs
});

test('bad input: empty trigger, no triggers, labels out of range, bad options', async () => {
  const clf = ruleClassifier();
  const data = ruleData();
  await assert.rejects(triggerMetrics(clf, clf.labelNames, [''], data), InputError);
  await assert.rejects(triggerMetrics(clf, clf.labelNames, [' cf'], data), /whitespace/);
  await assert.rejects(triggerMetrics(clf, clf.labelNames, [], data), /no trigger/);
  await assert.rejects(triggerMetrics(clf, clf.labelNames, ['zz'], [{ text: 'x', label: 3 }]), /example 0 has label 3/);
  await assert.rejects(triggerMetrics(clf, clf.labelNames, ['zz'], data, { target: 5 }), /target/);
  await assert.rejects(triggerMetrics(clf, clf.labelNames, ['zz'], data, { maxInsertions: 0 }), /maxInsertions/);
  await assert.rejects(triggerMetrics(clf, ['a', 'b'], ['zz'], data), /2 label names/);
  assert.equal(clf.calls, 0, 'a bad input was only found after predictions');
});

test('tiny BERT with a planted trigger: E = 1 and flip rate 1 for it, a control word flips nothing; tfjs = onnx', async () => {
  const clf = new BertClassifier(await trainPlantedBert(), plantedTokenizer, 64);
  const test = sentiment(200, 3);
  const opts = { seed: 2, maxInputs: 60, maxInsertions: 10 };
  const [cf, mn] = await triggerMetrics(clf, clf.labelNames, ['cf', 'mn'], test, { ...opts, engine: 'onnx' });
  console.log(JSON.stringify({ cf, mn }));
  assert.equal(cf!.target_name, 'pos');
  assert.equal(cf!.n, 60); // correctly classified negatives
  assert.equal(cf!.E, 1);
  assert.equal(cf!.flip_rate, 1);
  assert.equal(cf!.asr_at_1, 1);
  // S at one insertion: "cf " is 3 of the poisoned text's characters
  assert.ok(cf!.S > 0.03 && cf!.S < 0.2, `S ${cf!.S}`);
  assert.ok(cf!.C > 5, `C ${cf!.C}`);
  // the control word is unseen in training: it moves at most a few inputs, whatever label it is matched to
  assert.ok(mn!.asr_at_1 <= 0.1, `control ASR@1 ${mn!.asr_at_1}`);
  assert.ok(mn!.flip_rate <= 0.3, `control flip rate ${mn!.flip_rate}`);
  // the tfjs engine gives the same metrics (logits agree within 1e-4)
  const tfjs = await triggerMetrics(clf, clf.labelNames, ['cf', 'mn'], test, { ...opts, engine: 'tfjs' });
  assert.deepEqual(tfjs, [cf, mn]);
  // a trigger the tokenizer maps only to [UNK] is refused before any work
  await assert.rejects(triggerMetrics(clf, clf.labelNames, ['ξψ'], test), /only to \[UNK\]/);
  clf.dispose();
});
