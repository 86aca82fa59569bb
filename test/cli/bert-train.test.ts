// `train --model bert:DIR` fine-tunes a Hugging Face-layout BERT directory (here the committed tiny random
// checkpoint, 3 labels) on a 2-label file, writes metrics.json and a model that `predict` reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { packageRoot } from '../../src/common/versions.js';
import { syntheticReviews, toTsv } from '../helpers/synthetic.js';

test('train --model bert:DIR, then predict from the saved directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-bert-cli-'));
  const data = path.join(dir, 'reviews.tsv');
  fs.writeFileSync(data, toTsv(syntheticReviews(80, 4)));
  const out = path.join(dir, 'run');
  const tiny = path.join(packageRoot(), 'test/fixtures/bert/tiny');
  const [err, log] = [console.error, console.log];
  const lines: string[] = [];
  console.error = (s: string) => void lines.push(s);
  console.log = (s: string) => void lines.push(s);
  try {
    assert.equal(await main(['train', '--model', `bert:${tiny}`, '--dataset', data, '--out', out, '--epochs', '1', '--batch-size', '8', '--max-length', '24', '--quiet']), 0, lines.join('\n'));
    const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    assert.equal(m.model, `bert:${tiny}`);
    assert.equal(m.history.length, 1);
    assert.ok(m.test.accuracy >= 0 && m.test.accuracy <= 1);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, 'model', 'config.json'), 'utf8'));
    assert.deepEqual(cfg.id2label, { '0': '0', '1': '1' }, 'the head was rebuilt for the 2 labels of the file');
    const preds = path.join(dir, 'p.jsonl');
    assert.equal(await main(['predict', '--model', path.join(out, 'model'), '--text', 'the film is good', '--out', preds]), 0);
    const p = JSON.parse(fs.readFileSync(preds, 'utf8').trim());
    assert.equal(p.probs.length, 2);
    assert.ok(['0', '1'].includes(p.label));
  } finally {
    console.error = err;
    console.log = log;
  }
});
