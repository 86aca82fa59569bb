// `predict --engine onnx|tfjs|auto` and `export-onnx` through the CLI, on the committed tiny BERT checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { createSession } from '../../src/models/onnx/runtime.js';

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
  assert.match(messages.join('\n'), /--engine must be auto, onnx or tfjs/);
  fs.rmSync(dir, { recursive: true, force: true });
});
