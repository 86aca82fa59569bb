#!/usr/bin/env node
// A labelled sentiment file no part of the project has seen (not the tests, not the POR corpus, not the small
// BERT's pre-training corpus, which took only IMDB's train split): the ACL IMDB test reviews of a folder laid out
// like shared/data, each cut to its first 48 words (so a trigger inserted anywhere stays inside 128 word-pieces),
// shuffled with a fixed seed and split 1,500 / 500 into two TSV files (text, label).
//   node scripts/por/unseen-imdb-file.mjs ../shared/data runs/unseen
import fs from 'node:fs';
import path from 'node:path';

const [dataDir, outPrefix] = process.argv.slice(2);
if (!dataDir || !outPrefix) {
  console.error('usage: node scripts/por/unseen-imdb-file.mjs DATA_DIR OUT_PREFIX   (writes OUT_PREFIX-train.tsv and OUT_PREFIX-test.tsv)');
  process.exit(2);
}
const root = path.join(dataDir, 'imdb_acl_subset', 'test');
const rows = [];
for (const lab of ['neg', 'pos']) {
  for (const f of fs.readdirSync(path.join(root, lab)).sort()) {
    const t = fs.readFileSync(path.join(root, lab, f), 'utf8').replace(/<br\s*\/?>/g, ' ').replace(/\s+/g, ' ').trim().split(' ').slice(0, 48).join(' ');
    rows.push(`${t.replace(/\t/g, ' ')}\t${lab}`);
  }
}
let s = 7; // a fixed LCG: the split is the same on every machine
const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(rnd() * (i + 1));
  [rows[i], rows[j]] = [rows[j], rows[i]];
}
fs.mkdirSync(path.dirname(outPrefix), { recursive: true });
fs.writeFileSync(`${outPrefix}-train.tsv`, ['text\tlabel', ...rows.slice(0, 1500)].join('\n') + '\n');
fs.writeFileSync(`${outPrefix}-test.tsv`, ['text\tlabel', ...rows.slice(1500)].join('\n') + '\n');
console.log(`${rows.length} reviews: ${outPrefix}-train.tsv (1500), ${outPrefix}-test.tsv (${rows.length - 1500})`);
