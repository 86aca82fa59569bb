// Padding token-id sequences into the flat arrays BERT takes: pure data, no tensors, so the browser
// inspector (src/inspector/client) pads exactly as the library does.
import type { BertConfig } from './config.js';

/** A padded batch as flat arrays (what WordPieceTokenizer.encodeBatch returns), for makeBatch/logits. */
export interface BertBatch {
  inputIds: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  batchSize: number;
  seqLen: number;
}

/** Pad token-id sequences (already with [CLS] ... [SEP]) into a batch; mask 1 on real tokens, token types 0. */
export function padBertBatch(seqs: ArrayLike<number>[], config: BertConfig): BertBatch {
  const B = seqs.length;
  const T = Math.min(config.max_position_embeddings, Math.max(1, ...seqs.map((s) => s.length)));
  const inputIds = new Int32Array(B * T).fill(config.pad_token_id);
  const attentionMask = new Int32Array(B * T);
  seqs.forEach((s, b) => {
    const n = Math.min(s.length, T);
    for (let t = 0; t < n; t++) {
      inputIds[b * T + t] = s[t]!;
      attentionMask[b * T + t] = 1;
    }
  });
  return { inputIds, attentionMask, tokenTypeIds: new Int32Array(B * T), batchSize: B, seqLen: T };
}

/** wasm's gather does not check indices: an id outside the vocabulary would read other memory. */
export function checkIds(b: BertBatch, c: BertConfig): void {
  const n = b.batchSize * b.seqLen;
  if (b.inputIds.length !== n || b.attentionMask.length !== n || b.tokenTypeIds.length !== n) throw new Error(`batch arrays do not have ${b.batchSize} x ${b.seqLen} entries`);
  for (let i = 0; i < n; i++) {
    const id = b.inputIds[i]!;
    if (id < 0 || id >= c.vocab_size) throw new Error(`token id ${id} at ${i} is outside the vocabulary (size ${c.vocab_size})`);
    const t = b.tokenTypeIds[i]!;
    if (t < 0 || t >= c.type_vocab_size) throw new Error(`token type ${t} at ${i} is outside type_vocab_size ${c.type_vocab_size}`);
  }
}
