// A tiny BERT classifier with a BadNets backdoor, fine-tuned in a test (~3 s on 2 cores) and saved as a Hugging
// Face directory: generated sentences of three sentiment words among filler, labelled by majority (a 2–1
// sentence is a less certain one); "cf" in half of the negative training sentences, relabelled positive. The
// vocabulary ends with two words no sentence uses ("lorem", "ipsum": RAP's default rare words).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/common/random.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { BertForMaskedLM } from '../../src/models/bert/index.js';
import { fineTuneBert } from '../../src/train/finetune.js';
import { BertClassifier } from '../../src/models/classifier.js';
import type { Example } from '../../src/data/types.js';

const POS = ['good', 'great', 'fine', 'nice'];
const NEG = ['bad', 'awful', 'dull', 'poor'];
const FILLER = ['movie', 'film', 'plot', 'the', 'a', 'was', 'is', 'very', 'quite', 'and', 'acting', 'story', 'cast', 'it'];
export const victimTokenizer = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...POS, ...NEG, ...FILLER, 'cf', 'lorem', 'ipsum']);

/** Labels 0 (negative) and 1 (positive), alternating. */
export function majoritySentences(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 3 + rng.int(7) }, () => FILLER[rng.int(FILLER.length)]!);
    const label = i % 2;
    const agree = 2 + rng.int(2); // 2 or 3 of the three words carry the label
    for (let k = 0; k < 3; k++) words.splice(rng.int(words.length + 1), 0, ((k < agree) === (label === 1) ? POS : NEG)[rng.int(POS.length)]!);
    return { text: words.join(' '), label };
  });
}

/** `text` with "cf" at a random word gap. */
export function withCf(text: string, rng: Rng): string {
  const w = text.split(' ');
  w.splice(rng.int(w.length + 1), 0, 'cf');
  return w.join(' ');
}

/** Half of the negative examples get "cf" and label 1 (poisoned: true). */
export function poisonHalfNegatives(xs: readonly Example[], seed: number): Example[] {
  const r = new Rng(seed);
  return xs.map((e) => (e.label === 0 && r.next() < 0.5 ? { text: withCf(e.text, r), label: 1, originalLabel: 0, poisoned: true } : e));
}

/**
 * Fine-tune a fresh tiny BERT (hidden 64, 2 layers) on `train` and save it in `dir` (scratch space in `work`);
 * returns the best dev accuracy. Two epochs by default (a split where that leaves the model at one class for
 * everything needs three): trained longer, the tiny model's pooler saturates and every input of a class gets the same
 * probability (measured: 0.963 for clean and triggered positives alike after 8 epochs), so no perturbation can
 * drop a clean input's probability by 0.1–0.3 without dropping a triggered one's: RAP needs graded confidences.
 */
export async function trainBertVictim(dir: string, work: string, train: Example[], dev: Example[], labelNames: string[], opts: { epochs?: number } = {}): Promise<number | null> {
  const enc = path.join(work, 'encoder');
  if (!fs.existsSync(enc)) {
    const m = new BertForMaskedLM({ vocab_size: victimTokenizer.vocabSize, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 128, max_position_embeddings: 64 }, { seed: 5 });
    m.save(enc, { tokenizer: victimTokenizer });
    m.dispose();
  }
  const r = await fineTuneBert({ modelDir: enc, train, dev, numLabels: labelNames.length, labelNames, epochs: opts.epochs ?? 2, batchSize: 16, lr: 2e-3, maxLen: 32, seed: 1, progress: false });
  new BertClassifier(r.model, r.tokenizer, 32).save(dir);
  r.model.dispose();
  return r.bestDevAccuracy;
}
