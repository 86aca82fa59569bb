import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { Rng } from '../../src/common/random.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { maskTokens } from '../../src/models/bert/index.js';
import { latestCheckpoint, makeMlmBatch, microBatchIndices, packCorpus, pretrainMlm, type PretrainOptions } from '../../src/train/pretrain.js';
import { learningRate, warmupSteps } from '../../src/train/lr-schedule.js';

before(async () => {
  await initEngine();
});

const WORDS = ['the', 'a', 'cat', 'dog', 'bird', 'sat', 'ran', 'flew', 'on', 'over', 'mat', 'log', 'tree', 'red', 'big', 'small', '.', 'un', '##happy', '##ly'];
const tok = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS]);

/** Sentences with structure an MLM can learn: "the <animal> <its verb> <its prep> the <its place> ." */
function corpus(n: number, seed = 1): string[] {
  const rng = new Rng(seed);
  const animals = [
    ['cat', 'sat', 'on', 'mat'],
    ['dog', 'ran', 'over', 'log'],
    ['bird', 'flew', 'over', 'tree'],
  ];
  return Array.from({ length: n }, () => {
    const [a, v, p, o] = animals[rng.int(3)]!;
    const adj = ['red', 'big', 'small', 'unhappy'][rng.int(4)];
    return `the ${adj} ${a} ${v} ${p} the ${o} .`;
  });
}

const TINY = { hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 32, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'pretrain-test-'));
const base = (out: string, over: Partial<PretrainOptions> = {}): PretrainOptions => ({
  corpus: corpus(200),
  out,
  tokenizer: tok,
  config: TINY,
  steps: 8,
  batchSize: 8,
  maxLen: 24,
  lr: 2e-3,
  warmup: 2,
  seed: 3,
  checkpointEvery: 3,
  logEvery: null,
  handleSigint: false,
  ...over,
});

function maxDiff(a: Record<string, { data: Float32Array }>, b: Record<string, { data: Float32Array }>): number {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  let d = 0;
  for (const k of Object.keys(a)) {
    const x = a[k]!.data;
    const y = b[k]!.data;
    for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  }
  return d;
}

test('lr schedule: linear warm-up then linear decay to 0; constant', () => {
  const s = { kind: 'linear' as const, lr: 1, warmup: 10, total: 110 };
  assert.equal(learningRate(s, 0), 0);
  assert.equal(learningRate(s, 5), 0.5);
  assert.equal(learningRate(s, 10), 1);
  assert.equal(learningRate(s, 60), 0.5);
  assert.equal(learningRate(s, 110), 0);
  assert.equal(learningRate(s, 200), 0);
  assert.equal(learningRate({ ...s, kind: 'constant' }, 3), 1);
  assert.equal(learningRate({ ...s, kind: 'constant-warmup' }, 3), 0.3);
  assert.equal(learningRate({ ...s, kind: 'constant-warmup' }, 90), 1);
  assert.equal(learningRate({ ...s, warmup: 0 }, 0), 1);
  assert.equal(warmupSteps(1000, 0.06), 60);
  assert.throws(() => learningRate(s, -1));
});

test('packCorpus: [CLS] … [SEP], at most maxLen, long lines cut, word starts marked', () => {
  const p = packCorpus(['the cat sat .', 'unhappy dog', 'the '.repeat(30).trim()], tok, 10);
  for (const s of p.seqs) {
    assert.ok(s.length <= 10);
    assert.equal(s[0], tok.clsId);
    assert.equal(s[s.length - 1], tok.sepId);
  }
  // line 1 (4 tokens) + line 2 (3 tokens: un ##happy dog) fit in 8; the 30-token line takes 4 more sequences
  assert.deepEqual(tok.convertIdsToTokens(p.seqs[0]!), ['[CLS]', 'the', 'cat', 'sat', '.', 'un', '##happy', 'dog', '[SEP]']);
  assert.deepEqual([...p.wordStarts[0]!], [0, 1, 1, 1, 1, 1, 0, 1, 0]);
  assert.equal(p.seqs.length, 1 + Math.ceil(30 / 8));
  assert.equal(p.stats.tokens, 4 + 3 + 30);
});

test('masking statistics: 15% of real tokens, 80/10/10; whole-word masking keeps words together', () => {
  const lines = corpus(3000, 7);
  const packed = packCorpus(lines, tok, 64);
  let real = 0;
  let selected = 0;
  let masked = 0;
  let kept = 0;
  let randomized = 0;
  for (let k = 0; k < 40; k++) {
    const b = makeMlmBatch(packed, tok, k, { batchSize: 16, seed: 1, maskProb: 0.15, wholeWord: false });
    const idx = microBatchIndices(packed.seqs.length, 16, 1, k);
    const orig = new Int32Array(b.inputIds.length).fill(tok.padId);
    idx.forEach((si, r) => orig.set(packed.seqs[si]!, r * b.seqLen));
    for (let i = 0; i < orig.length; i++) if (orig[i] !== tok.padId && orig[i] !== tok.clsId && orig[i] !== tok.sepId) real++;
    b.positions.forEach((p, j) => {
      assert.equal(b.labels[j], orig[p]);
      assert.ok(orig[p] !== tok.clsId && orig[p] !== tok.sepId && orig[p] !== tok.padId, 'special token selected');
      selected++;
      if (b.inputIds[p] === tok.maskId) masked++;
      else if (b.inputIds[p] === orig[p]) kept++;
      else randomized++;
    });
  }
  const rate = selected / real;
  console.log(`selected ${selected}/${real} = ${rate.toFixed(4)}; mask ${(masked / selected).toFixed(3)} random ${(randomized / selected).toFixed(3)} kept ${(kept / selected).toFixed(3)}`);
  assert.ok(Math.abs(rate - 0.15) < 0.01, `selection rate ${rate}`);
  assert.ok(Math.abs(masked / selected - 0.8) < 0.02);
  // a random id equal to the original counts as kept: 10% + 10%/V
  assert.ok(Math.abs(randomized / selected - 0.1) < 0.015);
  assert.ok(Math.abs(kept / selected - 0.1) < 0.015);

  // whole words: "un ##happy" is selected as a unit
  const ids: number[] = [];
  const ws: number[] = [];
  const rng = new Rng(2);
  for (let i = 0; i < 60000; i++) {
    if (rng.next() < 0.3) {
      ids.push(tok.vocab.get('un')!, tok.vocab.get('##happy')!, tok.vocab.get('##ly')!);
      ws.push(1, 0, 0);
    } else {
      ids.push(tok.vocab.get('cat')!);
      ws.push(1);
    }
  }
  const m = maskTokens(ids, { rng: new Rng(9), tokenizer: tok, wordStarts: ws });
  let words = 0;
  let wordsSel = 0;
  for (let i = 0; i < ids.length; i++) {
    if (!ws[i]) continue;
    let j = i + 1;
    while (j < ids.length && !ws[j]) j++;
    const sel = Array.from({ length: j - i }, (_, t) => m.labels[i + t] !== -100);
    assert.ok(sel.every((s) => s === sel[0]), `word at ${i} partly selected`);
    words++;
    if (sel[0]) wordsSel++;
  }
  assert.ok(Math.abs(wordsSel / words - 0.15) < 0.01, `word selection rate ${wordsSel / words}`);
});

test('pretrainMlm: the MLM loss decreases on a learnable corpus', async () => {
  const out = tmp();
  const r = await pretrainMlm(base(out, { steps: 80, lr: 3e-3, warmup: 8, checkpointEvery: 1000, batchSize: 16, corpus: corpus(400), config: { ...TINY, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 } }));
  const first = r.history.slice(0, 10).reduce((s, h) => s + h.loss, 0) / 10;
  const last = r.history.slice(-10).reduce((s, h) => s + h.loss, 0) / 10;
  console.log(`MLM loss ${first.toFixed(3)} -> ${last.toFixed(3)} (${r.tokensSeen} tokens, ${r.seconds.toFixed(1)}s)`);
  assert.ok(last < 0.6 * first, `${first} -> ${last}`);
  assert.equal(r.step, 80);
  // the final model is in HF layout and the last checkpoint is complete
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt']) assert.ok(fs.existsSync(path.join(out, f)), f);
  assert.equal(latestCheckpoint(out), path.join(out, 'checkpoint-80'));
  r.model.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});

test('kill and resume: same weights as an uninterrupted run (with gradient accumulation)', async () => {
  const a = tmp();
  const b = tmp();
  const opts = { accum: 2, steps: 8, checkpointEvery: 3 };
  const full = await pretrainMlm(base(a, opts));
  const wFull = full.model.toNamedWeights();
  // "killed" after step 5: checkpoint-3 is the last complete one; a half-written checkpoint-6.tmp is left over
  const killed = await pretrainMlm(base(b, { ...opts, haltAfter: 5 }));
  killed.model.dispose();
  assert.equal(latestCheckpoint(b), path.join(b, 'checkpoint-3'));
  fs.mkdirSync(path.join(b, 'checkpoint-6.tmp'));
  fs.writeFileSync(path.join(b, 'checkpoint-6.tmp', 'model.safetensors'), 'partial');
  const resumed = await pretrainMlm(base(b, { ...opts, resume: true }));
  assert.equal(resumed.resumedFrom, path.join(b, 'checkpoint-3'));
  assert.equal(resumed.step, 8);
  const d = maxDiff(wFull, resumed.model.toNamedWeights());
  console.log(`max |Δw| after resume: ${d}`);
  assert.ok(d <= 1e-6, `weights differ by ${d}`);
  assert.deepEqual(resumed.history.map((h) => h.loss), full.history.map((h) => h.loss));
  assert.equal(resumed.tokensSeen, full.tokensSeen);
  assert.ok(!fs.existsSync(path.join(b, 'checkpoint-6.tmp')), 'stale temporary checkpoint removed');
  // a stop request (what SIGINT does) writes a checkpoint at once; resuming then also matches
  const c = tmp();
  const stopped = await pretrainMlm(base(c, { ...opts, shouldStop: () => true }));
  assert.ok(stopped.interrupted);
  assert.equal(latestCheckpoint(c), path.join(c, 'checkpoint-1'));
  stopped.model.dispose();
  const again = await pretrainMlm(base(c, { ...opts, resume: true }));
  assert.ok(maxDiff(wFull, again.model.toNamedWeights()) <= 1e-6);
  // changed options are refused
  await assert.rejects(pretrainMlm(base(c, { ...opts, seed: 4, resume: true })), /cannot resume with seed=4/);
  for (const m of [full, resumed, again]) m.model.dispose();
  for (const d of [a, b, c]) fs.rmSync(d, { recursive: true, force: true });
});

test('resume is refused under another vocabulary, model configuration or corpus (one line edited)', async () => {
  const out = tmp();
  const opts = { steps: 8, checkpointEvery: 3 };
  const stopped = await pretrainMlm(base(out, { ...opts, shouldStop: () => true }));
  stopped.model.dispose();
  // same size, one token renamed: the ids mean other words
  const otherTok = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS.map((w) => (w === 'log' ? 'bog' : w))]);
  await assert.rejects(pretrainMlm(base(out, { ...opts, tokenizer: otherTok, resume: true })), /cannot resume with another vocabulary/);
  await assert.rejects(pretrainMlm(base(out, { ...opts, config: { ...TINY, intermediate_size: 48 }, resume: true })), /another model configuration \(intermediate_size=48, the run used 64\)/);
  const edited = corpus(200);
  edited[150] = edited[150]!.replace('the', 'a');
  await assert.rejects(pretrainMlm(base(out, { ...opts, corpus: edited, resume: true })), /cannot resume on another corpus/);
  const same = await pretrainMlm(base(out, { ...opts, resume: true }));
  assert.equal(same.resumedFrom, path.join(out, 'checkpoint-1'));
  same.model.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});
