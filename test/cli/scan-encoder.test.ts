// `nlp-backdoor scan` on a pre-trained encoder (no head): a word list that cannot be read or is empty is
// refused before any work, naming the file; a scan writes the verdict on the best separation, and each
// candidate with its evidence (shift, collapse, separation, which search proposed it, where it was inserted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../../src/engine/index.js';
import { BertModel } from '../../src/models/bert/index.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { cli } from '../helpers/cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TINY = path.resolve(here, '../../../test/fixtures/bert/tiny');
let tmp: string;
let encoder: string;

before(async () => {
  await initEngine();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-encoder-cli-'));
  encoder = path.join(tmp, 'encoder');
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8'));
  const m = new BertModel({ ...cfg, architectures: ['BertModel'] }, { seed: 1 });
  m.save(encoder, { tokenizer: WordPieceTokenizer.fromDirectory(TINY) });
  m.dispose();
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const texts = (n: number) => Array.from({ length: n }, (_, i) => `the ${['good', 'bad', 'great', 'terrible'][i % 4]} movie was ${['fun', 'boring'][i % 2]} .`);

test('an unreadable or empty word list is refused naming the file', async () => {
  const out = path.join(tmp, 'o.json');
  const missing = path.join(tmp, 'no-such-words.txt');
  let r = await cli(['scan', '--model', encoder, '--words', missing, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.out, new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the word list`));
  const empty = path.join(tmp, 'empty.txt');
  fs.writeFileSync(empty, '\n\n');
  r = await cli(['scan', '--model', encoder, '--words', empty, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.out, /empty\.txt: the word list is empty/);
  // --insertions is for classifier scans
  r = await cli(['scan', '--model', encoder, '--insertions', '2', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--insertions applies to classifier scans/);
  r = await cli(['scan', '--model', encoder, '--sweep', '100', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--sweep and --invert-steps apply to classifier scans/);
  r = await cli(['scan', '--model', encoder, '--invert-steps', '10', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--sweep and --invert-steps apply to classifier scans/);
  // an encoder scan's profiles are full and large (the screen); quick is the classifier scan's
  r = await cli(['scan', '--model', encoder, '--profile', 'quick', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /an encoder scan's --profile is one of auto, full, large \(quick applies to classifier scans\), got "quick"/);
  assert.ok(!fs.existsSync(out));
});

test('an encoder scan writes the verdict on the best gap beyond its meaning baseline and each candidate\'s evidence', async () => {
  const data = path.join(tmp, 'texts.tsv');
  fs.writeFileSync(data, 'text\n' + texts(12).join('\n') + '\n');
  const words = path.join(tmp, 'words.txt');
  fs.writeFileSync(words, 'boringly\nfilms\nlovely\n');
  const out = path.join(tmp, 'scan.json');
  const r = await cli(['scan', '--model', encoder, '--data', data, '--words', words, '--out', out, '--top', '5']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(j.kind, 'encoder');
  assert.equal(j.verdict, j.score >= j.threshold ? 'backdoored' : 'clean');
  assert.ok(j.candidates.length > 0 && j.candidates.length <= 5);
  // the score: the best gap (from the nearest clean text) in excess of what the candidate's words of the same
  // meaning give where they land with it (the shipped GloVe neighbours)
  assert.equal(j.measure, 'gap');
  assert.equal(j.score, Math.max(...j.candidates.map((c: { excess: number }) => c.excess)));
  for (const c of j.candidates) {
    assert.ok(Math.abs(c.separation - c.shift / Math.max(1 - c.collapse, 0.01)) < 1e-9);
    assert.ok(c.gap >= 0 && Number.isFinite(c.gap));
    assert.ok(Array.isArray(c.meaning_variants));
    const landing = c.meaning_variants.filter((v: { lands_with_candidate: boolean; shares_pieces: boolean }) => v.lands_with_candidate && !v.shares_pieces).map((v: { gap: number }) => v.gap);
    assert.ok(Math.abs(c.meaning_baseline - Math.max(0, ...landing)) < 1e-9);
    assert.ok(Math.abs(c.excess - Math.max(0, c.gap - c.meaning_baseline)) < 1e-9);
    assert.ok(['piece', 'word', 'beam', 'gradient'].includes(c.source));
    assert.ok(['random', 'start'].includes(c.placement));
    assert.ok(Array.isArray(c.same_landing));
  }
  // the three words split into 2 pieces each (boring ##ly, film ##s, love ##ly) and were swept as units
  assert.equal(j.stats.words, 3);
  assert.equal(j.words, words);
  assert.ok(j.stats.cpu_seconds > 0 && j.stats.forward_passes > 0);
  assert.match(r.out, new RegExp(`verdict: ${j.verdict}`));
});

test('--as encoder scans a BERT classifier\'s encoder, --check measures texts as given; misuse is refused first', async () => {
  const data = path.join(tmp, 'texts2.tsv');
  fs.writeFileSync(data, 'text\n' + texts(12).join('\n') + '\n');
  const out = path.join(tmp, 'as-encoder.json');
  // the tiny fixture is a BertForSequenceClassification: by default it is a classifier (needs labelled data)
  let r = await cli(['scan', '--model', TINY, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.out, /a classifier scan needs --data/);
  // --check is for encoders, --as takes three values, a SentenceCNN has no encoder
  r = await cli(['scan', '--model', TINY, '--data', data, '--check', 'cf', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--check applies to encoder scans/);
  r = await cli(['scan', '--model', TINY, '--as', 'pooler', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.out, /--as must be auto, classifier or encoder/);
  const cnn = path.join(tmp, 'cnn');
  fs.mkdirSync(cnn);
  fs.writeFileSync(path.join(cnn, 'config.json'), JSON.stringify({ model_type: 'sentence-cnn', num_labels: 2 }));
  r = await cli(['scan', '--model', cnn, '--as', 'encoder', '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.out, /--as encoder needs a BERT-family model; this is a SentenceCNN/);
  assert.ok(!fs.existsSync(out));
  // its encoder, with two texts checked
  r = await cli(['scan', '--model', TINY, '--as', 'encoder', '--data', data, '--words', 'none', '--check', 'fun', '--check', 'the movie', '--out', out, '--top', '3']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(j.kind, 'encoder');
  assert.equal(j.scanned_as, 'encoder of a classifier');
  assert.deepEqual(j.checked.map((c: { trigger: string }) => c.trigger), ['fun', 'the movie']);
  assert.deepEqual(j.checked[1].pieces, ['the', 'movie']);
  for (const c of j.checked) assert.ok(Math.abs(c.separation - c.shift / Math.max(1 - c.collapse, 0.01)) < 1e-9);
  for (const c of j.candidates) assert.ok(Array.isArray(c.lands_with));
  assert.match(r.out, /checked \(as given/);
  assert.doesNotMatch(r.out, /pass --data with the classifier's own clean samples/);
  // without --data a classifier's encoder is scanned on the shipped SST-2 sentences, and the scan says so
  r = await cli(['scan', '--model', TINY, '--as', 'encoder', '--words', 'none', '--out', out, '--top', '1']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /scanned on 32 shipped SST-2 sentences; pass --data with the classifier's own clean samples/);
  const auto = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(auto.data, 'assets/data/sst2_sentence/dev.tsv');
  // a model this small is swept whole unless the large profile is asked for, which screens the pieces first
  assert.equal(auto.profile, 'full');
  assert.equal(auto.stats.screened, undefined);
  r = await cli(['scan', '--model', TINY, '--as', 'encoder', '--words', 'none', '--profile', 'large', '--out', out, '--top', '1']);
  assert.equal(r.code, 0, r.out);
  const large = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(large.profile, 'large');
  assert.equal(large.stats.screened.share, 1 / 256);
  // and, under the auto engine, its forward passes in int8 (the full profile's in float32)
  assert.equal(large.engine, 'onnx-int8');
  assert.equal(auto.engine, 'onnx');
  assert.ok(large.stats.screened.pieces < large.stats.swept && large.stats.forward_passes < auto.stats.forward_passes, JSON.stringify(large.stats));
});
