// Padding word-id sequences for the SentenceCNN: pure data, no tensors, shared by the tfjs model, the ONNX
// engine and the browser inspector (src/inspector/client).

/** A padded batch of token ids. */
export interface IdBatch {
  ids: Int32Array; // [B, L], 0 = padding
  lens: Int32Array; // [B] real lengths
  B: number;
  L: number;
}

export function padBatch(seqs: ArrayLike<number>[], minLen: number, maxLen: number): IdBatch {
  const B = seqs.length;
  const lens = new Int32Array(B);
  let L = minLen;
  for (let b = 0; b < B; b++) {
    lens[b] = Math.min(seqs[b]!.length, maxLen);
    if (lens[b]! > L) L = lens[b]!;
  }
  const ids = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const s = seqs[b]!;
    for (let t = 0; t < lens[b]!; t++) ids[b * L + t] = s[t]!;
  }
  return { ids, lens, B, L };
}
