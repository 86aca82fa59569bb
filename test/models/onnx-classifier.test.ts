// OnnxClassifier: the same predictions as the tfjs classifier of a model directory (tokenization, padding and
// logits within 1e-5), for BERT and SentenceCNN directories, and the model.onnx cache in the directory.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { CnnClassifier, loadClassifier, predictTexts, predictTextsAsync, type Prediction } from '../../src/models/classifier.js';
import { SentenceCNN, defaultCnnConfig } from '../../src/models/cnn.js';
import { Vocab } from '../../src/text/vocab.js';
import { loadOnnxClassifier, toOnnx } from '../../src/models/onnx/index.js';
import { readSafetensors, writeSafetensors, type TensorToWrite, type WritableDtype } from '../../src/models/safetensors.js';

// ~10× the largest difference measured on these directories (≤ 6e-7 for BERT, docs/onnx.md)
const TOL = 1e-5;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const texts = ['hello world', 'the movie was good and the actors were great', '', 'a', 'unknownword zzz qqq', 'a b c d e f g h i j k l m n o p'];

before(async () => {
  await initEngine();
});

function assertSamePredictions(got: Prediction[], want: Prediction[]): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    const d = Math.max(...g.logits.map((v, k) => Math.abs(v - want[i]!.logits[k]!)));
    assert.ok(d < TOL, `text ${i}: logits differ by ${d}`);
    assert.equal(g.label, want[i]!.label);
  });
}

async function checkDirectory(dir: string): Promise<Prediction[]> {
  const tfjs = await loadClassifier(dir);
  const want = predictTexts(tfjs, texts, 4); // batches of 4: padding differs between batches
  const file = path.join(dir, 'model.onnx');
  const clf = await loadOnnxClassifier(dir, { threads: 1 });
  assert.equal(clf.file, file);
  assert.ok(fs.existsSync(file));
  const labels = tfjs.labelNames;
  assert.deepEqual(clf.labelNames, labels);
  assertSamePredictions(await predictTextsAsync(clf, texts, 4), want);
  await clf.dispose();
  // in memory, from the live tfjs classifier
  const mem = await toOnnx(tfjs, { threads: 1 });
  assert.equal(mem.file, null);
  assertSamePredictions(await predictTextsAsync(mem, texts, 3), want);
  await mem.dispose();
  tfjs.dispose();
  // the cache: reused while the weights and config are the ones it was exported from, whatever their times
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  fs.utimesSync(file, ago(60), ago(60));
  for (const f of ['config.json', 'model.safetensors']) fs.utimesSync(path.join(dir, f), ago(30), ago(30)); // newer, same bytes
  const before = fs.statSync(file).mtimeMs;
  const cached = await loadOnnxClassifier(dir); // from model.onnx, config and vocabulary only
  assert.equal(fs.statSync(file).mtimeMs, before, 'a model.onnx of the same weights was rewritten');
  assert.deepEqual(cached.labelNames, labels);
  assertSamePredictions(await predictTextsAsync(cached, texts, 4), want);
  await cached.dispose();
  return want;
}

/**
 * Replace the directory's weights by other weights with OLDER timestamps (as `cp -p`, `rsync -a` or `tar x`
 * leave them): the cached model.onnx must be re-exported and answer with the new weights (issue 12, item 3).
 */
async function checkReplacedWeights(dir: string, oldWant: Prediction[]): Promise<void> {
  const file = path.join(dir, 'model.onnx');
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  // other weights of the same shapes: every float tensor scaled by 0.6
  const w = readSafetensors(path.join(dir, 'model.safetensors'));
  const other: Record<string, TensorToWrite> = {};
  for (const [k, t] of w.tensors) {
    const f = t.dtype === 'F32' || t.dtype === 'F16';
    other[k] = { dtype: t.dtype as WritableDtype, shape: t.shape, data: f ? Float32Array.from(t.data as ArrayLike<number>, (x) => x * 0.6) : (t.data as ArrayLike<number>) };
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), other, w.metadata);
  fs.utimesSync(path.join(dir, 'model.safetensors'), ago(3600), ago(3600));
  const want = predictTexts(await loadClassifier(dir), texts, 4);
  assert.ok(want.some((p, i) => Math.abs(p.logits[0]! - oldWant[i]!.logits[0]!) > 1e-3), 'the replacement weights give other logits');
  const before = fs.readFileSync(file);
  const clf = await loadOnnxClassifier(dir);
  assert.notDeepEqual(fs.readFileSync(file), before, 'the stale model.onnx was not re-exported');
  assertSamePredictions(await predictTextsAsync(clf, texts, 4), want);
  await clf.dispose();
}

test('BERT directory: onnx predictions equal tfjs predictions; model.onnx cached by content and re-exported for replaced weights', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-bert-'));
  fs.cpSync(path.join(root, 'test/fixtures/bert/tiny'), dir, { recursive: true });
  await checkReplacedWeights(dir, await checkDirectory(dir));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SentenceCNN directory: onnx predictions equal tfjs predictions; model.onnx cached by content and re-exported for replaced weights', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-cnn-'));
  const vocab = Vocab.fromWords(['<pad>', '<unk>', 'the', 'movie', 'was', 'good', 'and', 'actors', 'were', 'great', 'a', 'b', 'c', 'hello', 'world']);
  const model = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 2, embedding_dim: 8, num_filters: 5, max_length: 12 }), { seed: 2 });
  const clf = new CnnClassifier(model, vocab);
  clf.save(dir);
  clf.dispose();
  await checkReplacedWeights(dir, await checkDirectory(dir));
  fs.rmSync(dir, { recursive: true, force: true });
});
