#!/usr/bin/env node
// Cut a smaller WordPiece vocabulary from bert-base-uncased by corpus frequency (src/text/wordpiece-vocab.ts).
//   node scripts/build-pretrain-vocab.mjs --corpus corpus/pretrain.txt --size 8192 --out corpus/vocab-8k.txt
// (run `npx tsc -p .` first: this imports the compiled library from dist/)
import fs from 'node:fs';
import { bertBaseUncasedTokenizer } from '../dist/src/text/wordpiece.js';
import { pruneWordPieceVocab } from '../dist/src/text/wordpiece-vocab.js';
import { readCorpusLines } from '../dist/src/train/pretrain.js';

const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : d;
};
const corpus = flag('corpus', 'corpus/pretrain.txt');
const size = Number(flag('size', '8192'));
const out = flag('out', `corpus/vocab-${Math.round(size / 1024)}k.txt`);
const t0 = performance.now();
const lines = readCorpusLines(corpus);
const { tokens, coverage } = pruneWordPieceVocab(bertBaseUncasedTokenizer(), lines, { size, onProgress: (n) => process.stderr.write(`\r${n}/${lines.length} lines`) });
fs.writeFileSync(out, tokens.join('\n') + '\n');
console.error(`\n${out}: ${tokens.length} tokens; they cover ${(100 * coverage).toFixed(2)}% of the corpus's bert-base-uncased pieces (${((performance.now() - t0) / 1000).toFixed(0)}s)`);
