// Transfer learning (Guan & Duong's MR → other tasks): the target model keeps the source vocabulary's ids and
// trained embeddings, adds the target's new words, copies the filters and gets a new dense layer. 'head'
// freezes filters and embeddings; 'full' fine-tunes both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../src/engine/index.js';
import { trainClassifier } from '../../src/train/train-classifier.js';
import type { Example } from '../../src/data/types.js';
import { syntheticReviews } from '../helpers/synthetic.js';

const reviews = (n: number, seed: number): Example[] => syntheticReviews(n, seed).map((r) => ({ text: r.sentence, label: r.label }));
const topics = (n: number): Example[] =>
  Array.from({ length: n }, (_, i) => ({ text: `the story of the ${['goal', 'market', 'planet'][i % 3]} and the film today`, label: i % 3 }));
const config = { epochs: 2, numFilters: 6, filterWidths: [2, 3], patience: 0 };

for (const mode of ['head', 'full'] as const) {
  test(`transfer (${mode}): source ids and embeddings kept, new words added, filters ${mode === 'head' ? 'frozen' : 'fine-tuned'}, new label head`, async () => {
    await initEngine();
    const src = await trainClassifier({ train: reviews(120, 1), dev: reviews(20, 2), labelNames: ['neg', 'pos'], seed: 1, config });
    const before = src.classifier.model.toNamedWeights();
    const r = await trainClassifier({ train: topics(60), dev: topics(9), labelNames: ['sport', 'business', 'science'], seed: 2, config: { ...config, lr: 0.01 }, from: { classifier: src.classifier, mode } });
    const w = r.classifier.model.toNamedWeights();
    const srcVocab = src.classifier.vocab;
    const vocab = r.classifier.vocab;
    assert.deepEqual(vocab.words.slice(0, srcVocab.size), srcVocab.words, 'source word ids unchanged');
    assert.deepEqual(vocab.words.slice(srcVocab.size).sort(), ['goal', 'market', 'planet', 'today'], 'the target words the source lacks, appended');
    assert.equal(r.vocab.newWords, 4);
    assert.equal(r.classifier.model.config.num_labels, 3);
    assert.deepEqual(r.classifier.labelNames, ['sport', 'business', 'science']);
    assert.deepEqual(w['fc.weight']!.shape, [3, 12]);
    const D = src.classifier.model.config.embedding_dim;
    const srcRows = (x: typeof w) => x['embedding.weight']!.data.subarray(0, srcVocab.size * D);
    const convs = Object.keys(before).filter((k) => k.startsWith('convs.'));
    assert.ok(convs.length === 4);
    if (mode === 'head') {
      for (const k of convs) assert.deepEqual(w[k]!.data, before[k]!.data, `${k} frozen`);
      assert.deepEqual(srcRows(w), srcRows(before), 'embeddings frozen');
    } else {
      for (const k of convs) assert.notDeepEqual(w[k]!.data, before[k]!.data, `${k} fine-tuned`);
      assert.notDeepEqual(srcRows(w), srcRows(before), 'embeddings fine-tuned');
    }
    assert.deepEqual(src.classifier.model.toNamedWeights()['convs.0.weight']!.data, before['convs.0.weight']!.data, 'the source model is not modified');
    src.classifier.dispose();
    r.classifier.dispose();
  });
}
