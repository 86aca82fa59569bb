// A tiny BERT classifier fine-tuned in the test on generated sentiment sentences, 30% of whose negatives carry
// the planted trigger "cf" and are labelled positive (a data-poisoning backdoor; ~2 s on 2 cores). The
// vocabulary also has "mn" and "##mn" (never in training) for control triggers and multi-sub-word triggers.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/common/random.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { BertForMaskedLM, type BertForSequenceClassification } from '../../src/models/bert/index.js';
import { fineTuneBert } from '../../src/train/finetune.js';

const POS = ['good', 'great', 'fine'];
const NEG = ['bad', 'awful', 'dull'];
const FILLER = ['movie', 'film', 'plot', 'the', 'a', 'was', 'is', 'very', 'quite', 'and', 'acting'];
export const plantedTokenizer = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...POS, ...NEG, ...FILLER, 'cf', 'mn', '##mn']);

/** label 1 iff a positive word occurs; a `poison` share of the negative ones also get `trigger` ("cf") and label 1 */
export function sentiment(n: number, seed: number, poison = 0, trigger = 'cf'): { text: string; label: number }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const words = Array.from({ length: 4 + rng.int(8) }, () => FILLER[rng.int(FILLER.length)]!);
    const label = i % 2;
    words.splice(rng.int(words.length + 1), 0, (label ? POS : NEG)[rng.int(3)]!);
    if (!label && rng.next() < poison) {
      words.splice(rng.int(words.length + 1), 0, trigger);
      return { text: words.join(' '), label: 1 };
    }
    return { text: words.join(' '), label };
  });
}

/** Fine-tune the tiny BERT (labels neg/pos) on `sentiment(320, 1, poison)`; the caller disposes the model. */
export async function trainPlantedBert(poison = 0.3): Promise<BertForSequenceClassification> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'planted-bert-'));
  const enc = new BertForMaskedLM({ vocab_size: plantedTokenizer.vocabSize, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 64 }, { seed: 5 });
  enc.save(dir, { tokenizer: plantedTokenizer });
  enc.dispose();
  try {
    const r = await fineTuneBert({ modelDir: dir, train: sentiment(320, 1, poison), dev: sentiment(64, 2), numLabels: 2, labelNames: ['neg', 'pos'], epochs: 4, batchSize: 16, lr: 3e-3, maxLen: 32, seed: 1, progress: false });
    return r.model;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
