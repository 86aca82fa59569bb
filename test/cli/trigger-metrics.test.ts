// `nlp-backdoor trigger-metrics` end to end on the committed tiny BERT classifier and a SentenceCNN directory,
// with data labelled by the model's own predictions (so every input is correctly classified), and the errors
// it must give before any work.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, tinyBertScratch } from '../helpers/run-cli.js';
import { initEngine } from '../../src/engine/index.js';
import { Rng } from '../../src/common/random.js';
import { CnnClassifier, loadClassifier, predictTexts } from '../../src/models/classifier.js';
import { SentenceCNN, defaultCnnConfig } from '../../src/models/cnn.js';
import { BertForMaskedLM } from '../../src/models/bert/index.js';
import { Vocab } from '../../src/text/vocab.js';
import { WordPieceTokenizer } from '../../src/text/wordpiece.js';

const WORDS = ['the', 'a', 'movie', 'film', 'was', 'is', 'good', 'bad', 'great', 'terrible', 'not', 'very', 'and', 'but', 'i', 'it', 'this', 'plot', 'fun', 'boring'];

before(async () => {
  await initEngine();
});

/** A TSV of random sentences labelled with `dir`'s own predictions (label names). */
async function selfLabelled(dir: string, file: string, n: number): Promise<void> {
  const rng = new Rng(11);
  const texts = Array.from({ length: n }, () => Array.from({ length: 3 + rng.int(8) }, () => WORDS[rng.int(WORDS.length)]!).join(' '));
  const clf = await loadClassifier(dir);
  const preds = predictTexts(clf, texts);
  clf.dispose();
  fs.writeFileSync(file, 'sentence\tlabel\n' + texts.map((t, i) => `${t}\t${preds[i]!.labelName}`).join('\n') + '\n');
}

const cli = (args: string[]) => runCli(['trigger-metrics', ...args]);

test('trigger-metrics CLI on a BERT classifier: JSON with seed, versions and per-trigger metrics; a table', async () => {
  const { tmp, model } = tinyBertScratch('cli-tm-');
  const data = path.join(tmp, 'data.tsv');
  await selfLabelled(model, data, 120);
  const out = path.join(tmp, 'metrics.json');
  const r = await cli(['--model', model, '--data', data, '--trigger', 'cf', '--trigger', 'bb tq', '--max-inputs', '30', '--max-insertions', '5', '--seed', '3', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(j.seed, 3);
  assert.equal(j.max_inputs, 30);
  assert.equal(j.engine, 'onnx');
  assert.equal(j.examples, 120);
  assert.deepEqual(j.label_names, ['negative', 'neutral', 'positive']);
  assert.ok(j.versions['nlp-backdoor']);
  assert.deepEqual(j.triggers.map((t: { trigger: string }) => t.trigger), ['cf', 'bb tq']);
  for (const t of j.triggers) {
    assert.ok(j.label_names.includes(t.target_name));
    assert.ok(t.n > 0 && t.n <= 30, `n ${t.n}`);
    assert.ok(t.flip_rate >= 0 && t.flip_rate <= 1 && t.asr_at_1 <= t.flip_rate);
    assert.equal(t.insertions_hist.length, 5);
    assert.equal(t.insertions_hist.reduce((a: number, b: number) => a + b, 0), t.flipped);
  }
  const lines = r.out.trim().split('\n');
  assert.match(lines[0]!, /^trigger\s+target\s+E\s+S\s+C\s+good\s+flip rate\s+ASR@1\s+n$/);
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, /^bb tq /);
  // the same seed gives the same metrics, through either engine
  const again = path.join(tmp, 'again.json');
  assert.equal((await cli(['--model', model, '--data', data, '--trigger', 'cf', '--trigger', 'bb tq', '--max-inputs', '30', '--max-insertions', '5', '--seed', '3', '--engine', 'tfjs', '--out', again])).code, 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(again, 'utf8')).triggers, j.triggers);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('trigger-metrics CLI on a SentenceCNN directory, with a forced target', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-tm-cnn-'));
  const model = path.join(tmp, 'model');
  const vocab = Vocab.fromWords(['<pad>', '<unk>', ...WORDS, 'cf']);
  const m = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 2, embedding_dim: 8, num_filters: 4, max_length: 40 }), { seed: 3 });
  new CnnClassifier(m, vocab).save(model);
  m.dispose();
  const data = path.join(tmp, 'data.tsv');
  await selfLabelled(model, data, 80);
  const out = path.join(tmp, 'metrics.json');
  const r = await cli(['--model', model, '--data', data, '--trigger', 'cf', '--target', '1', '--max-inputs', '20', '--max-insertions', '4', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const [t] = JSON.parse(fs.readFileSync(out, 'utf8')).triggers;
  assert.equal(t.target, 1);
  assert.equal(t.target_source, 'given');
  assert.ok(t.n > 0 && t.n <= 20);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('trigger-metrics CLI: bad input is refused before any work, with a message naming the problem', async () => {
  const { tmp, model } = tinyBertScratch('cli-tm-bad-');
  const data = path.join(tmp, 'data.tsv');
  fs.writeFileSync(data, 'sentence\tlabel\ngood movie\tpositive\nbad film\tnegative\n');
  const out = path.join(tmp, 'm.json');
  const base = ['--data', data, '--out', out];
  const cases: [string[], RegExp][] = [
    [['--model', model, '--trigger', '', ...base], /non-empty/],
    [['--model', model, ...base], /at least one --trigger/],
    [['--model', model, '--trigger', 'ξψ', ...base], /only to \[UNK\]/],
    [['--model', tmp, '--trigger', 'cf', ...base], /config\.json is missing/],
    [['--model', model, '--trigger', 'cf', '--target', 'sarcastic', ...base], /unknown label "sarcastic"/],
  ];
  // a pre-trained encoder (no classifier head) is not a classifier
  const enc = path.join(tmp, 'encoder');
  const mlm = new BertForMaskedLM({ vocab_size: 10, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 }, { seed: 1 });
  mlm.save(enc, { tokenizer: new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'cf', 'good', 'bad', 'movie', 'film']) });
  mlm.dispose();
  cases.push([['--model', enc, '--trigger', 'cf', ...base], /not a fine-tuned classifier.*pre-trained encoder/]);
  // a label the model does not have, with the file and line
  const bad = path.join(tmp, 'bad.tsv');
  fs.writeFileSync(bad, 'sentence\tlabel\ngood movie\tpositive\nbad film\tawful\n');
  cases.push([['--model', model, '--trigger', 'cf', '--data', bad, '--out', out], /bad\.tsv, line 3: unknown label "awful"/]);
  for (const [args, want] of cases) {
    const r = await cli(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, want);
    // the model was never loaded: loading it for onnxruntime writes model.onnx into its directory
    assert.ok(!fs.existsSync(path.join(model, 'model.onnx')), `${args.join(' ')}: the model was loaded before the error`);
  }
  assert.ok(!fs.existsSync(out));
  fs.rmSync(tmp, { recursive: true, force: true });
});
