// `predict --engine onnx|tfjs|auto` and `export-onnx` through the CLI, on the committed tiny BERT checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { createSession } from '../../src/models/onnx/runtime.js';
import { parseArgs } from '../../src/cli/args.js';
import { engineFlags, loadEngineClassifier } from '../../src/cli/engine.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

async function predictions(dir: string, engine: string): Promise<{ label_id: number; logits: number[] }[]> {
  const out = path.join(dir, `preds-${engine}.jsonl`);
  const args = ['predict', '--model', path.join(dir, 'model'), '--text', 'hello world', '--text', 'a b c d e f g h', '--text', '', '--engine', engine, '--out', out];
  const err = console.error;
  console.error = () => {};
  try {
    assert.equal(await main(args), 0);
  } finally {
    console.error = err;
  }
  return fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('predict: the onnx engine (default) gives the tfjs logits within 1e-5; export-onnx writes a loadable file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-onnx-'));
  fs.cpSync(path.join(root, 'test/fixtures/bert/tiny'), path.join(dir, 'model'), { recursive: true });
  const tfjs = await predictions(dir, 'tfjs');
  assert.ok(!fs.existsSync(path.join(dir, 'model', 'model.onnx')), 'the tfjs engine wrote model.onnx');
  for (const engine of ['onnx', 'auto']) {
    const got = await predictions(dir, engine);
    got.forEach((p, i) => {
      assert.equal(p.label_id, tfjs[i]!.label_id);
      p.logits.forEach((v, k) => assert.ok(Math.abs(v - tfjs[i]!.logits[k]!) < 1e-5, `${engine} text ${i}`));
    });
  }
  assert.ok(fs.existsSync(path.join(dir, 'model', 'model.onnx')));
  const file = path.join(dir, 'exported.onnx');
  const err = console.error;
  console.error = () => {};
  try {
    assert.equal(await main(['export-onnx', '--model', path.join(dir, 'model'), '--out', file]), 0);
  } finally {
    console.error = err;
  }
  const s = await createSession(file, { threads: 1 });
  assert.deepEqual(s.inputNames, ['input_ids', 'attention_mask', 'token_type_ids']);
  assert.deepEqual(s.outputNames, ['logits']);
  await s.release();
  const messages: string[] = [];
  console.error = (m: string) => void messages.push(String(m));
  try {
    assert.equal(await main(['predict', '--model', path.join(dir, 'model'), '--text', 'x', '--engine', 'gpu']), 2);
  } finally {
    console.error = err;
  }
  assert.match(messages.join('\n'), /--engine must be auto, onnx, onnx-int8 or tfjs/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('predict --engine onnx-int8: a BERT runs with int8 dense layers (cached as model.int8.onnx), close to tfjs; a SentenceCNN is refused before any work', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-onnx-int8-'));
  fs.cpSync(path.join(root, 'test/fixtures/bert/tiny'), path.join(dir, 'model'), { recursive: true });
  const tfjs = await predictions(dir, 'tfjs');
  const int8 = await predictions(dir, 'onnx-int8');
  assert.ok(fs.existsSync(path.join(dir, 'model', 'model.int8.onnx')), 'the int8 export is cached');
  assert.ok(!fs.existsSync(path.join(dir, 'model', 'model.onnx')), 'the float32 export was not written');
  let range = 0;
  let diff = 0;
  int8.forEach((p, i) => {
    const want = tfjs[i]!.logits;
    range = Math.max(range, Math.max(...want) - Math.min(...want));
    p.logits.forEach((v, k) => (diff = Math.max(diff, Math.abs(v - want[k]!))));
  });
  assert.ok(diff > 0, 'int8 logits equal float32 ones exactly: nothing was quantised');
  assert.ok(diff < 0.05 * Math.max(range, 1e-3) || diff < 1e-3, `int8 logits differ by ${diff}`);
  // a SentenceCNN directory: only config.json's kind is read before the refusal
  const cnn = path.join(dir, 'cnn');
  fs.mkdirSync(cnn);
  fs.writeFileSync(path.join(cnn, 'config.json'), JSON.stringify({ model_type: 'sentence-cnn' }));
  const messages: string[] = [];
  const err = console.error;
  console.error = (m: string) => void messages.push(String(m));
  try {
    assert.equal(await main(['predict', '--model', cnn, '--text', 'x', '--engine', 'onnx-int8']), 2);
  } finally {
    console.error = err;
  }
  assert.match(messages.join('\n'), /onnx-int8 applies to BERT classifiers/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('loadEngineClassifier: under --engine auto, int8WhenAuto runs a BERT on onnx-int8; a named engine is kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-engine-'));
  const model = path.join(dir, 'model');
  fs.cpSync(path.join(root, 'test/fixtures/bert/tiny'), model, { recursive: true });
  const args = (engine?: string) => parseArgs(engine ? ['--engine', engine] : [], engineFlags);
  for (const [engine, int8WhenAuto, want] of [[undefined, true, 'onnx-int8'], [undefined, false, 'onnx'], ['onnx', true, 'onnx'], ['tfjs', true, 'tfjs'], ['onnx-int8', false, 'onnx-int8']] as const) {
    const r = await loadEngineClassifier(args(engine), model, { int8WhenAuto });
    assert.equal(r.engine, want, `--engine ${engine ?? 'auto'}, int8WhenAuto ${int8WhenAuto}`);
    if ('precision' in r.clf) assert.equal(r.clf.precision, want === 'onnx-int8' ? 'int8' : 'float32');
    await (r.clf as { dispose(): unknown }).dispose();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
