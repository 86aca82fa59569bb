// trainClassifier's checkpoint identity (issue 12, item 13): a checkpoint is resumed only by the same run, and
// "the same" is by content: editing one example anywhere in the training data (not only among the first 50,
// and keeping the counts) makes it another run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { trainClassifier } from '../../src/train/train-classifier.js';
import type { Example } from '../../src/data/types.js';
import { syntheticReviews } from '../helpers/synthetic.js';

before(async () => {
  await initEngine();
});

const examples = (n: number, seed: number): Example[] => syntheticReviews(n, seed).map((r) => ({ text: r.sentence, label: r.label }));

test('a checkpoint is not resumed after one training example changed; the unchanged data resumes it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-ckpt-'));
  const train = examples(300, 4);
  const dev = examples(60, 5);
  const base = { dev, labelNames: ['0', '1'], seed: 2, config: { epochs: 3, patience: 0, numFilters: 4 }, checkpointDir: dir };
  // 300 examples in batches of 50: stop inside epoch 2, so the checkpoint holds epoch 1
  let calls = 0;
  const first = await trainClassifier({ ...base, train, shouldStop: () => ++calls > 8 });
  assert.ok(first.result.interrupted);
  first.classifier.dispose();
  // same length, same counts, past the first 50 examples
  const k = train.findIndex((e, i) => i > 100 && /\bthe\b/.test(e.text));
  const edited = train.map((e, i) => (i === k ? { ...e, text: e.text.replace(/\bthe\b/, 'teh') } : e));
  await assert.rejects(trainClassifier({ ...base, train: edited }), /belongs to a different run/);
  const relabelled = train.map((e, i) => (i === 250 ? { ...e, label: 1 - e.label } : e));
  await assert.rejects(trainClassifier({ ...base, train: relabelled }), /belongs to a different run/);
  const resumed = await trainClassifier({ ...base, train });
  assert.equal(resumed.resumedFromEpoch, 1);
  assert.equal(resumed.result.state.epoch, 3);
  resumed.classifier.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
