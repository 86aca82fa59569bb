import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadNamedDataset, loadDatasetSpec, knownDatasets, type Dataset } from '../../src/data/index.js';
import { tree, latin1, inputError } from './tree.js';

const n = 10; // examples per label per file
const range = (k: number) => Array.from({ length: k }, (_, i) => i);
const lines = (f: (i: number) => string, k = n) => range(k).map(f).join('\n') + '\n';
const sizes = (ds: Dataset) => ds.split.sizes;
const counts = (ds: Dataset) => {
  const c = ds.labelNames.map(() => 0);
  for (const e of [...ds.train, ...ds.dev, ...ds.test]) c[e.label]!++;
  return c;
};
const textOf = (ds: Dataset, re: RegExp) => [...ds.train, ...ds.dev, ...ds.test].find((e) => re.test(e.text))?.text;

// A data folder in the original formats, laid out like shared/data, every file a few lines long.
const dataDir = tree({
  'mr_rt_polarity/rt-polarity.pos': latin1(lines((i) => `a caf\u00e9 film \u0085 so good ${i} . `)),
  'mr_rt_polarity/rt-polarity.neg': latin1(lines((i) => `dull ${i}`)),
  'sst2_sentence/train.tsv': 'sentence\tlabel\r\n' + range(n).map((i) => `sentence ${i}\t${i % 2}\r\n`).join(''),
  'sst2_sentence/dev.tsv': 'sentence\tlabel\r\nok\t1\r\nmeh\t0\r\n',
  'sst2_sentence/test.tsv': 'sentence\tlabel\r\nfine\t1\r\nbad\t0\r\nworse\t0\r\n',
  'sst2_glue/train_full.tsv': 'sentence\tlabel\n' + range(n).map((i) => `phrase ${i} \t${i % 2}\n`).join(''),
  'sst2_glue/dev.tsv': 'sentence\tlabel\nnice . \t1\n',
  'sst2_glue/test.tsv': 'index\tsentence\n0\tno label here .\n',
  'sst2_glue/test-labeled.tsv': 'sentence\tlabel\r\nno label here .\t0\r\n',
  'subj/subj.objective': latin1(lines((i) => `the plot ${i} . `)),
  'subj/subj.subjective': latin1(lines((i) => `na\u00efve and lovely ${i}`)),
  'cr/custrev.pos': lines((i) => `i love the zoom ${i} .`) + '\n',
  'cr/custrev.neg': lines((i) => `the battery died ${i} .`, 6),
  'mpqa/mpqa.pos': lines((i) => `a triumph ${i}`, 4),
  'mpqa/mpqa.neg': lines((i) => `complaining ${i}`, 12),
  'trec/TREC.train': latin1(range(12).map((i) => `${['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM'][i % 6]}:fine What is caf\u00e9 ${i} ?`).join('\n') + '\n'),
  'trec/TREC.test': 'NUM:dist How far is it ?\nHUM:ind Who is it ?\n',
  'sms_spam/SMSSpamCollection': lines((i) => (i < 8 ? `ham\tsee you at ${i}` : `spam\tWIN \u00a3${i} now`)),
  'sms_spam/readme': 'not data',
  'imdb_acl_subset/train/pos/0_9.txt': 'Great.<br /><br />Really great.',
  'imdb_acl_subset/train/pos/1_8.txt': 'Lovely.',
  'imdb_acl_subset/train/neg/0_2.txt': 'Awful.<br/>Truly.',
  'imdb_acl_subset/train/neg/1_1.txt': 'Boring.',
  'imdb_acl_subset/train/unsup/0_0.txt': 'not labelled',
  'imdb_acl_subset/train/urls_pos.txt': 'http://example',
  'imdb_acl_subset/test/pos/0_10.txt': 'Best.',
  'imdb_acl_subset/test/neg/0_3.txt': 'Worst.',
  'sentiment140_100k/positive.txt': lines((i) => `@user yay ${i} \u2665`),
  'sentiment140_100k/negative.txt': lines((i) => `ugh ${i}`),
  'ag_news/test.csv': 'Class Index,Title,Description\n' + range(8).map((i) => `${(i % 4) + 1},Title ${i},"Desc, with ""quotes"" ${i}"`).join('\n') + '\n',
  'ag_news/hiddenkiller_clean/dev.tsv': 'sentence \t label\n' + range(20).map((i) => `lowercased news ${i} . \t ${i % 4}`).join('\n') + '\n',
  'olid_offenseval/train.tsv': 'sentence\tlabel\n' + range(n).map((i) => `@USER tweet "${i} \t ${i % 2}`).join('\n') + '\n',
  'olid_offenseval/dev.tsv': 'sentence\tlabel\n@USER ok \t 0\n@USER not ok \t 1\n',
  'olid_offenseval/test.tsv': 'sentence\tlabel\n@USER a \t 0\n@USER b \t1\n',
  // TweetEval as its repository lays it out (datasets/<task>/...), under tweeteval/
  'tweeteval/emotion/mapping.txt': '0\tanger\n1\tjoy\n2\toptimism\n3\tsadness',
  'tweeteval/emotion/train_text.txt': lines((i) => `@user so happy \u2665 #${i} `, 8),
  'tweeteval/emotion/train_labels.txt': lines((i) => String(i % 4), 8),
  'tweeteval/emotion/val_text.txt': 'grr\nyay\n',
  'tweeteval/emotion/val_labels.txt': '0\n1\n',
  'tweeteval/emotion/test_text.txt': 'hope\r\nsigh\r\n',
  'tweeteval/emotion/test_labels.txt': '2\r\n3\r\n',
});

test('knownDatasets lists every named dataset; only MR and SST-2 ship', () => {
  assert.deepEqual(
    knownDatasets.map((d) => d.name),
    ['mr', 'sst2', 'sst2-glue', 'subj', 'trec', 'sms', 'imdb', 'twitter', 'agnews', 'olid', 'cr', 'mpqa', 'tweeteval-emotion', 'tweeteval-hate', 'tweeteval-irony', 'tweeteval-sentiment', 'tweeteval-emoji', 'tweeteval-stance-abortion', 'tweeteval-stance-atheism', 'tweeteval-stance-climate', 'tweeteval-stance-feminist', 'tweeteval-stance-hillary'],
  );
  assert.deepEqual(
    knownDatasets.filter((d) => d.ships).map((d) => d.name),
    ['mr', 'sst2'],
  );
  for (const d of knownDatasets) assert.ok(d.description.length > 20 && d.citation.length > 10, d.name);
});

test('mr: latin-1 lines, labels negative/positive, seeded 90/10 split', () => {
  const ds = loadNamedDataset('mr', { dataDir, seed: 2 });
  assert.deepEqual(ds.labelNames, ['negative', 'positive']);
  assert.deepEqual(counts(ds), [10, 10]);
  assert.deepEqual(ds.split, { method: 'seeded', seed: 2, fractions: { test: 0.1, dev: 0.1 }, sizes: { train: 16, dev: 2, test: 2 } });
  assert.equal(textOf(ds, /so good 3/), 'a café film … so good 3 .');
});

test('sst2: the given split, 0 → negative and 1 → positive, CRLF handled', () => {
  const ds = loadNamedDataset('sst2', { dataDir });
  assert.deepEqual(ds.labelNames, ['negative', 'positive']);
  assert.deepEqual(sizes(ds), { train: 10, dev: 2, test: 3 });
  assert.equal(ds.split.method, 'given');
  assert.deepEqual(
    ds.test.map((e) => [e.text, e.label]),
    [
      ['fine', 1],
      ['bad', 0],
      ['worse', 0],
    ],
  );
});

test('sst2-glue: train_full / dev / test-labeled; trailing spaces trimmed', () => {
  const ds = loadNamedDataset('sst2-glue', { dataDir });
  assert.deepEqual(sizes(ds), { train: 10, dev: 1, test: 1 });
  assert.equal(ds.dev[0]!.text, 'nice .');
  assert.equal(ds.test[0]!.text, 'no label here .');
});

test('subj: objective/subjective from the file names, latin-1', () => {
  const ds = loadNamedDataset('subj', { dataDir });
  assert.deepEqual(ds.labelNames, ['objective', 'subjective']);
  assert.deepEqual(counts(ds), [10, 10]);
  assert.equal(ds.split.method, 'seeded');
  assert.equal(textOf(ds, /lovely 0/), 'naïve and lovely 0');
});

test('cr and mpqa: polarity from the .pos/.neg line files, blank lines skipped, seeded split', () => {
  const c = loadNamedDataset('custrev', { dataDir });
  assert.equal(c.name, 'cr');
  assert.deepEqual(c.labelNames, ['negative', 'positive']);
  assert.deepEqual(counts(c), [6, 10]);
  assert.equal(c.split.method, 'seeded');
  assert.equal(textOf(c, /zoom 3/), 'i love the zoom 3 .');
  const m = loadNamedDataset('mpqa', { dataDir });
  assert.deepEqual(counts(m), [12, 4]);
  assert.equal(textOf(m, /triumph 2/), 'a triumph 2');
});

test('cr and mpqa: read from a clone of sent-conv-torch (data/raw), and name the files they miss', () => {
  const clone = tree({ 'data/raw/custrev.pos': 'great .\n', 'data/raw/custrev.neg': 'bad .\n', 'data/raw/mpqa.pos': 'fine\n' });
  assert.deepEqual(counts(loadNamedDataset('cr', { dataDir: clone })), [1, 1]);
  assert.throws(() => loadNamedDataset('mpqa', { dataDir: clone }), inputError({ message: /dataset "mpqa" needs mpqa\.neg here \(expected layout: mpqa\/\{mpqa\.pos, mpqa\.neg\}\)/ }));
});

test('trec: coarse labels from COARSE:fine, given test, dev carved from train', () => {
  const ds = loadNamedDataset('trec', { dataDir, devFraction: 0.5 });
  assert.deepEqual(ds.labelNames, ['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM']);
  assert.deepEqual(sizes(ds), { train: 6, dev: 6, test: 2 });
  assert.equal(ds.split.method, 'given');
  assert.deepEqual(ds.split.fractions, { dev: 0.5 });
  assert.match(ds.split.note ?? '', /dev carved from train/);
  assert.deepEqual(
    ds.test.map((e) => [e.text, ds.labelNames[e.label]]),
    [
      ['How far is it ?', 'NUM'],
      ['Who is it ?', 'HUM'],
    ],
  );
  assert.equal(textOf(ds, /café 0 /), 'What is café 0 ?');
});

test('sms: label<TAB>text without header, ham/spam, stratified split', () => {
  const ds = loadNamedDataset('sms', { dataDir, testFraction: 0.5, devFraction: 0 });
  assert.deepEqual(ds.labelNames, ['ham', 'spam']);
  assert.equal(ds.test.filter((e) => e.label === 1).length, 1);
  assert.equal(ds.test.length, 5);
  assert.equal(textOf(ds, /WIN £9/), 'WIN £9 now');
});

test('imdb: train/test folders per label, <br /> removed, unsup/ and stray files ignored', () => {
  const ds = loadNamedDataset('imdb', { dataDir, devFraction: 0 });
  assert.deepEqual(ds.labelNames, ['neg', 'pos']);
  assert.deepEqual(sizes(ds), { train: 4, dev: 0, test: 2 });
  assert.equal(textOf(ds, /^Great/), 'Great. Really great.');
  assert.equal(textOf(ds, /^Awful/), 'Awful. Truly.');
  assert.equal(textOf(ds, /not labelled|http/), undefined);
});

test('twitter: Sentiment140 positive.txt / negative.txt, UTF-8', () => {
  const ds = loadNamedDataset('twitter', { dataDir });
  assert.deepEqual(ds.labelNames, ['negative', 'positive']);
  assert.deepEqual(counts(ds), [10, 10]);
  assert.equal(textOf(ds, /yay 4/), '@user yay 4 ♥');
});

test('agnews: test.csv with classes 1-4, title + description; train/dev from the HiddenKiller TSV', () => {
  const ds = loadNamedDataset('agnews', { dataDir, devFraction: 0.2 });
  assert.deepEqual(ds.labelNames, ['World', 'Sports', 'Business', 'Sci/Tech']);
  assert.deepEqual(sizes(ds), { train: 16, dev: 4, test: 8 });
  assert.deepEqual([ds.test[0]!.text, ds.test[0]!.label], ['Title 0 Desc, with "quotes" 0', 0]);
  assert.equal(ds.test[3]!.label, 3);
  assert.equal(textOf(ds, /news 5 /), 'lowercased news 5 .');
  assert.equal([...ds.train, ...ds.dev].find((e) => e.text === 'lowercased news 5 .')!.label, 1);
  assert.match(ds.split.note ?? '', /hiddenkiller_clean\/dev\.tsv/);
});

test('agnews: a train.csv (Zhang et al. layout, no header) is used when present', () => {
  const dir = tree({
    'ag_news/test.csv': '"1","t","d"\n"2","t2","d2"\n',
    'ag_news/train.csv': range(8)
      .map((i) => `"${(i % 4) + 1}","Train ${i}","body"`)
      .join('\n'),
  });
  const ds = loadNamedDataset('agnews', { dataDir: dir, devFraction: 0 });
  assert.deepEqual(sizes(ds), { train: 8, dev: 0, test: 2 });
  assert.equal(ds.test[1]!.label, 1);
});

test('olid: labels with a leading space (and one without) map to NOT/OFF', () => {
  const ds = loadNamedDataset('olid', { dataDir });
  assert.deepEqual(ds.labelNames, ['NOT', 'OFF']);
  assert.deepEqual(sizes(ds), { train: 10, dev: 2, test: 2 });
  assert.deepEqual(
    ds.test.map((e) => e.label),
    [0, 1],
  );
  assert.equal(ds.train[3]!.text, '@USER tweet "3');
});

test('tweeteval: aligned text and label files, labels from the task, the given train/val/test', () => {
  const ds = loadNamedDataset('tweeteval-emotion', { dataDir });
  assert.deepEqual(ds.labelNames, ['anger', 'joy', 'optimism', 'sadness']);
  assert.deepEqual(sizes(ds), { train: 8, dev: 2, test: 2 });
  assert.deepEqual(counts(ds), [3, 3, 3, 3]);
  assert.equal(ds.train[5]!.text, '@user so happy \u2665 #5');
  assert.equal(ds.train[5]!.label, 1);
  assert.deepEqual(ds.test.map((e) => [e.text, e.label]), [['hope', 2], ['sigh', 3]]);
  // the repository's own layout: --data-dir tweeteval/datasets, or the task folder itself
  const repo = tree({
    'datasets/irony/mapping.txt': '0\tnon_irony\n1\tirony\n',
    'datasets/irony/train_text.txt': 'a\nb\n',
    'datasets/irony/train_labels.txt': '1\n0\n',
    'datasets/irony/val_text.txt': 'c\n',
    'datasets/irony/val_labels.txt': '1\n',
    'datasets/irony/test_text.txt': 'd\n',
    'datasets/irony/test_labels.txt': '0\n',
  });
  assert.deepEqual(loadNamedDataset('tweeteval_irony', { dataDir: repo }).train.map((e) => e.label), [1, 0]);
  assert.equal(loadNamedDataset('tweeteval-irony', { dataDir: path.join(repo, 'datasets') }).name, 'tweeteval-irony');
  assert.equal(loadNamedDataset('tweeteval-irony', { dataDir: path.join(repo, 'datasets', 'irony') }).test[0]!.text, 'd');
});

test('tweeteval: the stance targets share stance/mapping.txt; emoji names its labels in the third column', () => {
  const split = (dir: string) => ({
    [`${dir}/train_text.txt`]: 'we must act\nno way\nwhatever\n',
    [`${dir}/train_labels.txt`]: '2\n1\n0\n',
    [`${dir}/val_text.txt`]: 'v\n',
    [`${dir}/val_labels.txt`]: '1\n',
    [`${dir}/test_text.txt`]: 't\n',
    [`${dir}/test_labels.txt`]: '0\n',
  });
  const dir = tree({
    'tweeteval/stance/mapping.txt': '0\tnone\n1\tagainst\n2\tfavor',
    ...split('tweeteval/stance/climate'),
    ...split('tweeteval/stance/hillary'),
    'tweeteval/emoji/mapping.txt': ['red_heart', 'smiling_face_with_hearteyes', 'face_with_tears_of_joy', 'two_hearts', 'fire', 'smiling_face_with_smiling_eyes', 'smiling_face_with_sunglasses', 'sparkles', 'blue_heart', 'face_blowing_a_kiss', 'camera', 'United_States', 'sun', 'purple_heart', 'winking_face', 'hundred_points', 'beaming_face_with_smiling_eyes', 'Christmas_tree', 'camera_with_flash', 'winking_face_with_tongue'].map((n, i) => `${i}\t\u2728\t_${n}_\t`).join('\n') + '\n',
    ...split('tweeteval/emoji'),
  });
  const climate = loadNamedDataset('tweeteval-stance-climate', { dataDir: dir });
  assert.deepEqual(climate.labelNames, ['none', 'against', 'favor']);
  assert.deepEqual(climate.train.map((e) => e.label), [2, 1, 0]);
  assert.equal(loadNamedDataset('tweeteval-stance-hillary', { dataDir: dir }).test.length, 1);
  const emoji = loadNamedDataset('tweeteval_emoji', { dataDir: dir });
  assert.equal(emoji.labelNames.length, 20);
  assert.equal(emoji.labelNames[emoji.train[0]!.label], 'face_with_tears_of_joy');
  assert.throws(() => loadNamedDataset('tweeteval-stance-atheism', { dataDir: dir }), inputError({ key: 'dataDir', message: /tweeteval\/stance\/atheism\/\{train_text\.txt/ }));
});

test('tweeteval: misaligned files, a bad label index and another mapping are errors with file and line', () => {
  const task = (over: Record<string, string>) =>
    tree({
      'hate/mapping.txt': '0\tnot-hate\n1\thate\n',
      'hate/train_text.txt': 'a\nb\nc\n',
      'hate/train_labels.txt': '0\n1\n0\n',
      'hate/val_text.txt': 'v\n',
      'hate/val_labels.txt': '1\n',
      'hate/test_text.txt': 't\n',
      'hate/test_labels.txt': '0\n',
      ...Object.fromEntries(Object.entries(over).map(([k, v]) => [`hate/${k}`, v])),
    });
  const load = (dir: string) => loadNamedDataset('tweeteval-hate', { dataDir: dir });
  assert.equal(load(task({})).train.length, 3);
  let dir = task({ 'train_labels.txt': '0\n1\n' });
  assert.throws(() => load(dir), inputError({ file: path.join(dir, 'hate', 'train_text.txt'), message: /3 texts but 2 labels/ }));
  dir = task({ 'train_labels.txt': '0\n2\n0\n' });
  assert.throws(() => load(dir), inputError({ file: path.join(dir, 'hate', 'train_labels.txt'), line: 2, message: /label index 0-1 \(not-hate, hate\), found "2"/ }));
  dir = task({ 'mapping.txt': '0\thate\n1\tnot-hate\n' });
  assert.throws(() => load(dir), inputError({ file: path.join(dir, 'hate', 'mapping.txt'), line: 1, message: /expected label 0 to be "not-hate", found 0 "hate"/ }));
  // the release has empty tweets: dropped with their label, and counted
  dir = task({ 'train_text.txt': 'a\n \nc\n' });
  const ds = load(dir);
  assert.deepEqual(ds.train.map((e) => [e.text, e.label]), [['a', 0], ['c', 0]]);
  assert.match(ds.warnings?.join() ?? '', /skipped 1 example with empty text \(.*train_text\.txt:2\)/);
  dir = task({});
  fs.rmSync(path.join(dir, 'hate', 'test_labels.txt'));
  assert.throws(() => load(dir), inputError({ message: /needs test_labels\.txt/ }));
});

test('unknown names list the known ones; aliases work; the spec dispatches on name', () => {
  assert.throws(() => loadNamedDataset('yelp'), inputError({ key: 'name', message: /unknown dataset "yelp"; known: mr, sst2, sst2-glue, subj, trec, sms, imdb, twitter, agnews, olid, cr, mpqa, tweeteval-emotion, tweeteval-hate, tweeteval-irony, tweeteval-sentiment, tweeteval-emoji, tweeteval-stance-abortion/ }));
  assert.equal(loadNamedDataset('SST-2', { dataDir }).name, 'sst2');
  assert.equal(loadNamedDataset('sentiment140', { dataDir }).name, 'twitter');
  const ds = loadDatasetSpec({ name: 'subj', dataDir, test: 0.5, dev: 0, seed: 4 });
  assert.deepEqual(sizes(ds), { train: 10, dev: 0, test: 10 });
  assert.equal(ds.split.seed, 4);
});

test('a dataset that does not ship needs a data dir, and the error says how to give one', () => {
  assert.throws(() => loadNamedDataset('subj'), inputError({ key: 'dataDir', message: /does not ship.*--data-dir DIR.*subj\/\{subj\.objective, subj\.subjective\}/ }));
});

test('dataDir may be the dataset folder itself; a data dir without it names the layout expected', () => {
  assert.equal(loadNamedDataset('olid', { dataDir: path.join(dataDir, 'olid_offenseval') }).train.length, 10);
  const empty = tree({ 'other/x.txt': 'x' });
  assert.throws(() => loadNamedDataset('trec', { dataDir: empty }), inputError({ file: empty, key: 'dataDir', message: /expected the original files as .*trec\/\{TREC\.train, TREC\.test\}/ }));
  assert.throws(() => loadNamedDataset('trec', { dataDir: path.join(empty, 'nope') }), inputError({ message: /data folder not found/ }));
});

test('a missing file, a malformed line and an unknown label are errors with file and line', () => {
  const dir = tree({ 'trec/TREC.train': 'DESC:manner How ?\n' });
  assert.throws(() => loadNamedDataset('trec', { dataDir: dir }), inputError({ file: path.join(dir, 'trec', 'TREC.test'), message: /needs TREC\.test/ }));
  fs.writeFileSync(path.join(dir, 'trec', 'TREC.test'), 'NUM:dist How far ?\nWhat is this ?\n');
  assert.throws(() => loadNamedDataset('trec', { dataDir: dir }), inputError({ file: path.join(dir, 'trec', 'TREC.test'), line: 2, message: /COARSE:fine/ }));
  const sst = tree({ 'sst2_sentence/train.tsv': 'sentence\tlabel\na\t1\nb\t2\n', 'sst2_sentence/dev.tsv': 'sentence\tlabel\nc\t0\n', 'sst2_sentence/test.tsv': 'sentence\tlabel\nd\t0\n' });
  assert.throws(() => loadNamedDataset('sst2', { dataDir: sst }), inputError({ file: path.join(sst, 'sst2_sentence', 'train.tsv'), line: 3, message: /unknown label "2"/ }));
});
