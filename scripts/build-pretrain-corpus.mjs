#!/usr/bin/env node
// Build the masked-LM pre-training corpus (one text a line, UTF-8) from a data directory laid out like
// ../shared/data, keeping every downstream dev/test split out of it, and a manifest of what went in.
//
//   node scripts/build-pretrain-corpus.mjs --data ../shared/data --out corpus/pretrain.txt
//
// In: MR and SUBJ (both files; these datasets have no official split), IMDB (train folder only), Sentiment140
// sample (no split), SST-2 sentence train.tsv, OLID train.tsv, TREC.train, SMS Spam Collection (no split).
// Out: every dev/test file (SST-2 dev/test, OLID dev/test, TREC.test, IMDB test), SST-2 GLUE (its train
// phrases are sub-phrases of the sentence train split: no new text; its dev/test are the sentence splits),
// and AG News (only its test.csv and a dev sample are available, both evaluation splits).
// Note: MR, SUBJ, Sentiment140 and SMS have no split; experiments that cut a seeded test split from them will
// have seen that text unlabeled during pre-training (as BERT saw Wikipedia text that later test sets quote).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

const args = process.argv.slice(2);
const flag = (n, d) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : d;
};
const data = flag('data', '../shared/data');
const out = flag('out', 'corpus/pretrain.txt');
if (!fs.existsSync(data)) {
  console.error(`data directory ${data} not found`);
  process.exit(2);
}

const clean = (s) => s.replace(/<br\s*\/?>/gi, ' ').replace(/\s+/g, ' ').trim();
const readLines = (f, enc = 'utf8') => fs.readFileSync(f, enc === 'latin1' ? 'latin1' : 'utf8').split(/\r?\n/);
const tsvColumn = (f, col, header = true) =>
  readLines(f)
    .slice(header ? 1 : 0)
    .map((l) => l.split('\t')[col] ?? '');

const sources = [
  { name: 'mr_rt_polarity', split: 'all (no official split)', files: ['mr_rt_polarity/rt-polarity.pos', 'mr_rt_polarity/rt-polarity.neg'], read: (f) => readLines(f, 'latin1') },
  { name: 'subj', split: 'all (no official split)', files: ['subj/subj.subjective', 'subj/subj.objective'], read: (f) => readLines(f, 'latin1') },
  {
    name: 'imdb_acl_subset',
    split: 'train',
    files: ['imdb_acl_subset/train/pos', 'imdb_acl_subset/train/neg'],
    read: (d) =>
      fs
        .readdirSync(d)
        .filter((n) => n.endsWith('.txt'))
        .sort()
        .map((n) => fs.readFileSync(path.join(d, n), 'utf8')),
  },
  { name: 'sentiment140_100k', split: 'all (no official split)', files: ['sentiment140_100k/positive.txt', 'sentiment140_100k/negative.txt'], read: (f) => readLines(f) },
  { name: 'sst2_sentence', split: 'train', files: ['sst2_sentence/train.tsv'], read: (f) => tsvColumn(f, 0) },
  { name: 'olid_offenseval', split: 'train', files: ['olid_offenseval/train.tsv'], read: (f) => tsvColumn(f, 0) },
  { name: 'trec', split: 'train', files: ['trec/TREC.train'], read: (f) => readLines(f, 'latin1').map((l) => l.replace(/^\S+:\S+\s+/, '')) },
  { name: 'sms_spam', split: 'all (no official split)', files: ['sms_spam/SMSSpamCollection'], read: (f) => tsvColumn(f, 1, false) },
];
const excluded = [
  'sst2_sentence/dev.tsv, test.tsv',
  'sst2_glue (train phrases are sub-phrases of sst2_sentence/train.tsv; dev/test are the sentence dev/test)',
  'olid_offenseval/dev.tsv, test.tsv',
  'trec/TREC.test',
  'imdb_acl_subset/test',
  'ag_news (only test.csv and a dev sample exist: evaluation splits)',
];

const lines = [];
const used = [];
for (const s of sources) {
  const present = s.files.filter((f) => fs.existsSync(path.join(data, f)));
  if (!present.length) continue;
  let n = 0;
  let chars = 0;
  for (const f of present) {
    for (const raw of s.read(path.join(data, f))) {
      const l = clean(raw);
      if (!l) continue;
      lines.push(l);
      n++;
      chars += l.length;
    }
  }
  used.push({ source: s.name, split: s.split, files: present, lines: n, chars });
  console.error(`${s.name}: ${n} lines`);
}
fs.mkdirSync(path.dirname(out) || '.', { recursive: true });
const text = lines.join('\n') + '\n';
fs.writeFileSync(out, text);
// Paths in the manifest are relative: the data folder relative to where the command ran (the repository root),
// every source file relative to the data folder; a committed manifest must not hold a machine's absolute path.
const portable = (p) => p.split(path.sep).join('/');
const dataRel = portable(path.relative(process.cwd(), path.resolve(data)) || '.');
const manifest = {
  corpus: path.basename(out),
  data: dataRel,
  lines: lines.length,
  chars: lines.reduce((s, l) => s + l.length, 0),
  sha256: crypto.createHash('sha256').update(text).digest('hex'),
  sources: used,
  excluded,
  command: `node scripts/build-pretrain-corpus.mjs --data ${dataRel} --out ${portable(path.relative(process.cwd(), path.resolve(out)))}`,
};
fs.writeFileSync(out.replace(/\.txt$/, '') + '.manifest.json', JSON.stringify(manifest, null, 2) + '\n');
console.error(`${out}: ${lines.length} lines, ${manifest.chars} chars`);
