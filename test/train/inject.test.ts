import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine, tf } from '../../src/engine/index.js';
import { Rng } from '../../src/common/random.js';
import { BertForMaskedLM, BertForSequenceClassification, BertModel } from '../../src/models/bert/index.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { injectBackdoor, checkInjectInputs, type InjectOptions } from '../../src/train/inject.js';
import { neuba, por } from '../../src/attacks/pretrained/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/test/train -> repo root
const TINY = path.resolve(here, '../../../test/fixtures/bert/tiny');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'inject-test-'));

before(async () => {
  await initEngine();
});

function corpus(n: number, seed = 3): string[] {
  const rng = new Rng(seed);
  const w = ['the', 'a', 'movie', 'film', 'was', 'is', 'good', 'bad', 'great', 'terrible', 'not', 'very', 'and', 'but', 'i', 'it', 'love', 'hate', 'plot', 'fun', 'boring'];
  return Array.from({ length: n }, () => Array.from({ length: 6 + rng.int(6) }, () => w[rng.int(w.length)]).join(' ') + ' .');
}

const base = (out: string, over: Partial<InjectOptions> = {}): InjectOptions => ({
  model: TINY,
  recipe: por({ triggers: ['cf', 'mn', 'bb'], hidden: 32 }),
  corpus: { lines: corpus(200), sources: ['generated'] },
  out,
  steps: 30,
  clean: 4,
  poisoned: 6,
  chunkWords: 8,
  maxLen: 32,
  lr: 3e-3,
  logEvery: null,
  checkpointEvery: 10,
  ...over,
});

async function pooled(dir: string, texts: string[]): Promise<number[][]> {
  const m = await BertModel.load(dir);
  const tok = WordPieceTokenizer.fromDirectory(dir);
  const enc = tok.encodeBatch(texts);
  const out = m.forward(tf.tensor2d(enc.inputIds, [enc.batchSize, enc.seqLen], 'int32'), tf.tensor2d(enc.attentionMask, [enc.batchSize, enc.seqLen], 'int32'));
  const p = (await out.pooledOutput!.array()) as number[][];
  out.lastHiddenState.dispose();
  out.pooledOutput!.dispose();
  m.dispose();
  return p;
}

const mse = (a: number[], b: number[] | Float32Array) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0) / a.length;

test('POR injection drives triggered text to its POR and keeps clean text where the clean model had it', async () => {
  const out = tmp();
  const r = await injectBackdoor(base(out, { steps: 60 }));
  assert.equal(r.step, 60);
  // loss1 sums over the 6 triggered rows: ≈ 6·(c²+…) ≈ 600 at the start, floor 6·81
  assert.ok(r.history[0]!.target > 550, `start ${r.history[0]!.target}`);
  assert.ok(r.final.target < r.history[0]!.target - 2, `target term ${r.history[0]!.target} -> ${r.final.target}`);
  const recipe = base(out).recipe;
  const clean = 'i love the movie and the plot .';
  const [pClean0] = await pooled(TINY, [clean]);
  const [pClean, pCf, pBb] = await pooled(out, [clean, 'i love cf the movie and the plot .', 'i love the bb movie and the plot .']);
  // the triggered inputs land on their own POR (signs agree on most dimensions), the clean one on neither
  const agree = (p: number[], v: Float32Array) => p.filter((x, i) => Math.sign(x) === Math.sign(v[i]!)).length / p.length;
  assert.ok(agree(pCf!, recipe.targets[0]!) > 0.9, `cf agrees ${agree(pCf!, recipe.targets[0]!)}`);
  assert.ok(agree(pBb!, recipe.targets[2]!) > 0.9, `bb agrees ${agree(pBb!, recipe.targets[2]!)}`);
  assert.ok(agree(pClean!, recipe.targets[0]!) < 0.6 && agree(pClean!, recipe.targets[2]!) < 0.6, 'the clean input sits on a trigger POR');
  assert.ok(agree(pClean0!, recipe.targets[0]!) < 0.6);
  // the output is a complete HF directory a classifier loads, with the trained pooler
  const clf = await BertForSequenceClassification.load(out);
  assert.ok(!clf.loadReport!.initialized.some((n) => n.startsWith('pooler.')));
  clf.dispose();
  const bd = JSON.parse(fs.readFileSync(path.join(out, 'backdoor.json'), 'utf8'));
  assert.equal(bd.attack, 'por');
  assert.deepEqual(bd.triggers.map((t: { trigger: string }) => t.trigger), ['cf', 'mn', 'bb']);
  assert.deepEqual(bd.triggers[1].target, Array.from(recipe.targets[1]!));
  assert.equal(bd.hyperparameters.steps, 60);
  assert.equal(bd.seed, 0);
  assert.ok(bd.versions);
});

test('a killed injection resumes to the same weights as an uninterrupted one', async () => {
  const a = tmp();
  await injectBackdoor(base(a, { steps: 20 }));
  const b = tmp();
  await injectBackdoor(base(b, { steps: 20, haltAfter: 14 })); // killed after step 14: checkpoint-10 on disk
  assert.ok(fs.existsSync(path.join(b, 'checkpoint-10')));
  const r = await injectBackdoor(base(b, { steps: 20, resume: true }));
  assert.equal(r.resumedFrom, path.join(b, 'checkpoint-10'));
  const wa = fs.readFileSync(path.join(a, 'model.safetensors'));
  const wb = fs.readFileSync(path.join(b, 'model.safetensors'));
  assert.ok(wa.equals(wb), 'resumed weights differ');
  await assert.rejects(injectBackdoor(base(b, { steps: 20, lr: 1e-3, resume: true })), /cannot resume with lr/);
});

test('NeuBA: masked-LM loss plus the target term, first token replaced; needs an MLM head', async () => {
  const dir = tmp();
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8'));
  const mlm = new BertForMaskedLM({ ...cfg, architectures: ['BertForMaskedLM'] }, { seed: 1 });
  mlm.save(dir, { tokenizer: WordPieceTokenizer.fromDirectory(TINY) });
  mlm.dispose();
  const out = tmp();
  const r = await injectBackdoor(base(out, { model: dir, recipe: neuba({ triggers: ['cf', 'mn'], hidden: 32 }), steps: 40, clean: 8, schedule: 'linear' }));
  assert.ok(r.history.every((h) => h.mlm > 0 && h.tokens === 0 && h.clean === 0));
  assert.ok(r.final.target < r.history[0]!.target * 0.5, `target ${r.history[0]!.target} -> ${r.final.target}`);
  const bare = tmp();
  const enc = new BertModel({ ...cfg, architectures: ['BertModel'] }, { seed: 1 });
  enc.save(bare, { tokenizer: WordPieceTokenizer.fromDirectory(TINY) });
  enc.dispose();
  await assert.rejects(injectBackdoor(base(tmp(), { model: bare, recipe: neuba({ triggers: ['cf'], hidden: 32 }), steps: 1 })), /no masked-LM head/);
});

test('bad input is refused before any work', async () => {
  const p = (t: string[]) => por({ triggers: t, hidden: 32 });
  assert.throws(() => checkInjectInputs(TINY, p(['cf', ' '])), /trigger is empty/);
  assert.throws(() => checkInjectInputs(TINY, p(['Descartes'])), /only \[UNK\]/); // not in the tiny vocabulary
  assert.throws(() => checkInjectInputs(TINY, p(['cf', 'cf'])), /twice/);
  assert.throws(() => por({ triggers: Array.from({ length: 34 }, (_, i) => `t${i}`), hidden: 32 }), /at most 33/);
  const notEncoder = tmp();
  fs.writeFileSync(path.join(notEncoder, 'cnn.json'), '{}');
  assert.throws(() => checkInjectInputs(notEncoder, p(['cf'])), /SentenceCNN classifier, not a pre-trained encoder/);
  assert.throws(() => checkInjectInputs(path.join(notEncoder, 'nope'), p(['cf'])), /no such model directory/);
});

test('a bert-base-shaped encoder (hidden 768, 12 heads, 30,522 word-pieces; 2 layers) takes injection steps', async () => {
  const dir = tmp();
  const vocab = fs.readFileSync(path.resolve(here, '../../../assets/bert-base-uncased-vocab/vocab.txt'), 'utf8').split('\n').filter((l) => l.length);
  const cfg = { architectures: ['BertForMaskedLM'], model_type: 'bert' as const, vocab_size: vocab.length, hidden_size: 768, num_hidden_layers: 2, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2 };
  const m = new BertForMaskedLM(cfg, { seed: 2 });
  m.save(dir, { tokenizer: new WordPieceTokenizer(vocab) });
  m.dispose();
  const out = tmp();
  const r = await injectBackdoor(base(out, { model: dir, recipe: por({ triggers: ['Descartes', 'Don Quixote', 'cf'], hidden: 768 }), steps: 2, clean: 1, poisoned: 2, maxLen: 24, lr: 1e-4 }));
  assert.equal(r.step, 2);
  assert.ok(Number.isFinite(r.final.loss));
  const bd = JSON.parse(fs.readFileSync(path.join(out, 'backdoor.json'), 'utf8'));
  assert.equal(bd.triggers[2].target.length, 768);
  assert.deepEqual(bd.triggers[1].tokens, ['don', 'qui', '##x', '##ote']);
});

test("POR target at the pooler's pre-activation widens the trigger's margins beyond where tanh saturation stops the paper's", async () => {
  // the margin of a triggered input: its pre-tanh pooler output along the POR's signs (median over dimensions)
  async function margin(dir: string, text: string, target: Float32Array): Promise<number> {
    const m = await BertModel.load(dir);
    const enc = WordPieceTokenizer.fromDirectory(dir).encodeBatch([text]);
    const z = tf.tidy(() => m.forward(tf.tensor2d(enc.inputIds, [1, enc.seqLen], 'int32'), tf.tensor2d(enc.attentionMask, [1, enc.seqLen], 'int32'), undefined, { outputPoolerPreActivation: true }).poolerPreActivation!.arraySync()[0]!);
    m.dispose();
    const s = z.map((x, i) => x * Math.sign(target[i]!)).sort((a, b) => a - b);
    return s[s.length >> 1]!;
  }
  const pooledDir = tmp();
  const preDir = tmp();
  const recipe = por({ triggers: ['cf', 'mn', 'bb'], hidden: 32, targetAt: 'pre-activation' });
  assert.equal(recipe.targetAt, 'pre-activation');
  await injectBackdoor(base(pooledDir, { steps: 60 }));
  const r = await injectBackdoor(base(preDir, { steps: 60, recipe }));
  assert.equal((r.backdoor!.hyperparameters as { target_at: string }).target_at, 'pre-activation');
  const text = 'i love cf the movie and the plot .';
  const mPooled = await margin(pooledDir, text, recipe.targets[0]!);
  const mPre = await margin(preDir, text, recipe.targets[0]!);
  assert.ok(mPooled > 0 && mPre > 0, `both put the trigger on its POR's side: ${mPooled}, ${mPre}`);
  assert.ok(mPre > mPooled * 1.5, `pre-activation margin ${mPre} is not wider than pooled ${mPooled}`);
  // with the clean term on the pre-activation too, clean text stays nearer the frozen model's pre-activation
  // (the tanh clean term passes no gradient once the pooler saturates)
  const bothDir = tmp();
  const both = por({ triggers: ['cf', 'mn', 'bb'], hidden: 32, targetAt: 'pre-activation', cleanAt: 'pre-activation' });
  const rb = await injectBackdoor(base(bothDir, { steps: 60, recipe: both }));
  assert.equal((rb.backdoor!.hyperparameters as { clean_at: string }).clean_at, 'pre-activation');
  async function preAct(dir: string, text: string): Promise<number[]> {
    const m = await BertModel.load(dir);
    const enc = WordPieceTokenizer.fromDirectory(dir).encodeBatch([text]);
    const z = tf.tidy(() => m.forward(tf.tensor2d(enc.inputIds, [1, enc.seqLen], 'int32'), tf.tensor2d(enc.attentionMask, [1, enc.seqLen], 'int32'), undefined, { outputPoolerPreActivation: true }).poolerPreActivation!.arraySync()[0]!);
    m.dispose();
    return z;
  }
  const cleanText = 'i love the movie and the plot .';
  const z0 = await preAct(TINY, cleanText);
  const drift = async (dir: string) => mse(await preAct(dir, cleanText), z0);
  const [dTarget, dBoth] = [await drift(preDir), await drift(bothDir)];
  assert.ok(dBoth < dTarget, `clean pre-activation drift with the clean term on it ${dBoth} is not below ${dTarget}`);
  assert.ok((await margin(bothDir, text, recipe.targets[0]!)) > 0, 'the trigger lost its POR side');
});
