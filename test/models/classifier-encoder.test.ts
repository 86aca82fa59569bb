// A BERT directory without a classification head (a pre-trained encoder such as the shipped assets/bert-small)
// is refused wherever a classifier is needed, with an error that says how to fine-tune it, instead of
// predicting from a randomly initialised head (issue 12, item 4).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { loadClassifier, EncoderWithoutHeadError } from '../../src/models/classifier.js';
import { loadOnnxClassifier } from '../../src/models/onnx/index.js';
import { main } from '../../src/cli/main.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const encoder = path.join(root, 'assets/bert-small');
const expected = (dir: string) => new RegExp(`${dir.replace(/[/\\\\.]/g, '\\$&')}: this is a BERT encoder without a classification head[\\s\\S]*train --model bert:${dir.replace(/[/\\\\.]/g, '\\$&')}`);

before(async () => {
  await initEngine();
});

test('loadClassifier refuses a BERT encoder directory and names the fine-tuning command', async () => {
  await assert.rejects(loadClassifier(encoder), (e: Error) => e instanceof EncoderWithoutHeadError && expected(encoder).test(e.message));
});

test('predict (onnx and tfjs engines), export-onnx and train --from all refuse it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-enc-'));
  const copy = path.join(dir, 'enc');
  fs.cpSync(encoder, copy, { recursive: true });
  const err = console.error;
  console.error = () => {};
  try {
    for (const engine of ['onnx', 'tfjs']) {
      await assert.rejects(main(['predict', '--model', copy, '--engine', engine, '--text', 'a fine film']), (e: Error) => expected(copy).test(e.message), engine);
    }
    await assert.rejects(main(['export-onnx', '--model', copy]), (e: Error) => expected(copy).test(e.message));
    assert.ok(!fs.existsSync(path.join(copy, 'model.onnx')), 'nothing exported');
    await assert.rejects(loadOnnxClassifier(copy), EncoderWithoutHeadError);
    const data = path.join(dir, 'd.tsv');
    fs.writeFileSync(data, 'sentence\tlabel\n' + Array.from({ length: 40 }, (_, i) => `text ${i}\t${i % 2}`).join('\n') + '\n');
    await assert.rejects(main(['train', '--dataset', data, '--text-column', 'sentence', '--label-column', 'label', '--from', copy, '--out', path.join(dir, 'o'), '--quiet']), (e: Error) => expected(copy).test(e.message));
  } finally {
    console.error = err;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a fine-tuned BERT directory (with its head) still loads', async () => {
  const clf = await loadClassifier(path.join(root, 'test/fixtures/bert/tiny'));
  assert.equal(clf.kind, 'bert');
  clf.dispose();
});
