// Padding word-id sequences for the SentenceCNN: pure data, no tensors, shared by the tfjs model, the ONNX
// engine and the browser inspector (src/inspector/client).

/** A padded batch of token ids. */
export interface IdBatch {
  ids: Int32Array; // [B, L], 0 = padding
  lens: Int32Array; // [B] real lengths
  B: number;
  L: number;
}

/**
 * Pad (id 0) and truncate (to maxLen ids) a batch. `edge` padding ids go before and after every input and
 * count in its length, as Kim's conv_net_sentence.py pads each sentence with filter_h − 1 zeros on both
 * sides: the first and last words then fall in every tap position of a filter (the CnnConfig's edge_padding).
 */
export function padBatch(seqs: ArrayLike<number>[], minLen: number, maxLen: number, edge = 0): IdBatch {
  const B = seqs.length;
  const lens = new Int32Array(B);
  let L = minLen;
  for (let b = 0; b < B; b++) {
    lens[b] = Math.min(seqs[b]!.length, maxLen) + 2 * edge;
    if (lens[b]! > L) L = lens[b]!;
  }
  const ids = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const s = seqs[b]!;
    const n = lens[b]! - 2 * edge;
    for (let t = 0; t < n; t++) ids[b * L + edge + t] = s[t]!;
  }
  return { ids, lens, B, L };
}
