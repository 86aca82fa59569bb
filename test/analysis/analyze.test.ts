// analyzeTrigger on a tiny BERT with the planted trigger "cf" and on one trained without it: attention rows of
// [CLS] sum to 1, the cosine matrix is symmetric with a unit diagonal, and the roles of the trigger "cfmn"
// (sub-words cf ##mn) are star / comet on the backdoored model and comets on the clean one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { analyzeTrigger } from '../../src/analysis/analyze.js';
import { plantedTokenizer as tok, trainPlantedBert } from '../helpers/planted-bert.js';

before(async () => {
  await initEngine();
});

test('analyzeTrigger: attention, cosine and sub-word roles on a backdoored and a clean tiny BERT', async () => {
  const backdoored = await trainPlantedBert(0.3);
  const clean = await trainPlantedBert(0);
  const text = 'the movie was very bad';
  const a = await analyzeTrigger(backdoored, tok, text, 'cfmn');
  assert.equal(a.at, 4); // before the last word
  assert.equal(a.triggered_text, 'the movie was very cfmn bad');
  assert.deepEqual(a.tokens, ['[CLS]', 'the', 'movie', 'was', 'very', 'cf', '##mn', 'bad', '[SEP]']);
  assert.deepEqual(a.trigger_positions, [5, 6]);
  const { num_hidden_layers: L, num_attention_heads: H } = backdoored.config;
  assert.equal(a.attention.length, L);
  for (const layer of a.attention) {
    assert.equal(layer.length, H);
    for (const row of layer) {
      assert.equal(row.length, a.tokens.length);
      assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5, `row sums to ${row.reduce((x, y) => x + y, 0)}`);
    }
  }
  const T = a.tokens.length;
  for (let i = 0; i < T; i++) {
    assert.ok(Math.abs(a.cosine[i]![i]! - 1) < 1e-6);
    for (let j = 0; j < T; j++) assert.equal(a.cosine[i]![j], a.cosine[j]![i]);
  }
  assert.equal(a.clean!.label_name, 'neg');
  assert.equal(a.triggered!.label_name, 'pos');
  assert.ok(a.roles);
  assert.equal(a.roles.flips, true);
  assert.deepEqual(a.roles.subwords.map((s) => [s.token, s.role]), [['cf', 'star'], ['##mn', 'comet']]);
  assert.equal(a.roles.subsets.length, 4);
  assert.deepEqual(a.roles.subsets.map((s) => s.keep), [[], [0], [1], [0, 1]]);
  assert.ok(a.roles.subwords[0]!.alone_prob > 0.5 && a.roles.subwords[1]!.alone_prob < 0.5);
  console.log(`backdoored: [CLS] attention on the trigger by layer ${a.cls_attention_on_trigger.map((x) => x.toFixed(3))}; cosine trigger/text with [CLS] ${a.cosine_trigger_cls.toFixed(3)}/${a.cosine_text_cls.toFixed(3)}`);

  const c = await analyzeTrigger(clean, tok, text, 'cfmn', { at: 0 });
  assert.equal(c.triggered_text, 'cfmn the movie was very bad');
  assert.equal(c.triggered!.label_name, 'neg');
  assert.equal(c.roles!.flips, false);
  assert.deepEqual(c.roles!.subwords.map((s) => s.role), ['comet', 'comet']);
  console.log(`clean: [CLS] attention on the trigger by layer ${c.cls_attention_on_trigger.map((x) => x.toFixed(3))}; cosine trigger/text with [CLS] ${c.cosine_trigger_cls.toFixed(3)}/${c.cosine_text_cls.toFixed(3)}`);

  // [CLS] looks at the trigger in the backdoored model far more than in the clean one (Shen et al.'s Fig.)
  assert.ok(a.cls_attention_on_trigger.at(-1)! > c.cls_attention_on_trigger.at(-1)! + 0.3);

  // the ablation is skipped above maxSubwords; bad positions and [UNK]-only triggers are refused
  const skipped = await analyzeTrigger(backdoored, tok, text, 'cf mn cf', { maxSubwords: 2 });
  assert.equal(skipped.roles, null);
  assert.match(skipped.roles_note!, /3 sub-word tokens/);
  await assert.rejects(analyzeTrigger(backdoored, tok, text, 'cf', { at: 6 }), /from 0 to 5/);
  await assert.rejects(analyzeTrigger(backdoored, tok, text, 'ξψ'), /only to \[UNK\]/);
  await assert.rejects(analyzeTrigger(backdoored, tok, '  ', 'cf'), /empty/);
  backdoored.dispose();
  clean.dispose();
});

test('analyzeTrigger on bare encoders: a POR-injected one lands on the trigger\'s POR, the clean one does not', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const { BertModel } = await import('../../src/models/bert/index.js');
  const { WordPieceTokenizer } = await import('../../src/text/wordpiece.js');
  const { injectBackdoor } = await import('../../src/train/inject.js');
  const { por } = await import('../../src/attacks/pretrained/index.js');
  const { Rng } = await import('../../src/common/random.js');
  const TINY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/bert/tiny');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'analyze-enc-'));
  const rng = new Rng(3);
  const w = ['the', 'a', 'movie', 'film', 'was', 'is', 'good', 'bad', 'great', 'not', 'very', 'and', 'but', 'i', 'it', 'love', 'plot', 'fun'];
  const lines = Array.from({ length: 200 }, () => Array.from({ length: 6 + rng.int(6) }, () => w[rng.int(w.length)]).join(' ') + ' .');
  const recipe = por({ triggers: ['cf', 'mn', 'bb'], hidden: 32 });
  await injectBackdoor({ model: TINY, recipe, corpus: { lines, sources: ['generated'] }, out, steps: 60, clean: 4, poisoned: 6, chunkWords: 8, maxLen: 32, lr: 3e-3, logEvery: null, checkpointEvery: 1000 });
  const tk = WordPieceTokenizer.fromDirectory(out);
  const target = recipe.targets[0]!;
  const bd = await BertModel.load(out);
  const a = await analyzeTrigger(bd, tk, 'i love the movie', 'cf', { target });
  bd.dispose();
  assert.equal(a.model_kind, 'encoder');
  assert.equal(a.clean, null);
  assert.equal(a.representation!.measure, 'POR sign agreement');
  assert.ok(a.representation!.triggered >= 0.9 && a.representation!.clean < 0.9, `agreement ${a.representation!.clean} -> ${a.representation!.triggered}`);
  assert.equal(a.roles!.flips, true);
  assert.deepEqual(a.roles!.subwords.map((s) => s.role), ['star']);
  const clean = await BertModel.load(TINY);
  const c = await analyzeTrigger(clean, WordPieceTokenizer.fromDirectory(TINY), 'i love the movie', 'cf', { target });
  const free = await analyzeTrigger(clean, WordPieceTokenizer.fromDirectory(TINY), 'i love the movie', 'cf');
  clean.dispose();
  assert.ok(c.representation!.triggered < 0.9, `the clean encoder lands on the POR: ${c.representation!.triggered}`);
  assert.equal(c.roles!.flips, false);
  assert.deepEqual(c.roles!.subwords.map((s) => s.role), ['comet']);
  // without a POR the measure is the cosine with the whole trigger's pooled output (1 by definition)
  assert.equal(free.representation!.measure, 'cosine with the triggered representation');
  assert.ok(Math.abs(free.representation!.triggered - 1) < 1e-6);
  console.log(`encoder: [CLS] attention on "cf" in the last layer ${a.cls_attention_on_trigger.at(-1)!.toFixed(3)} backdoored vs ${c.cls_attention_on_trigger.at(-1)!.toFixed(3)} clean`);
});
