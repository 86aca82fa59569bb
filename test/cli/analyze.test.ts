// `nlp-backdoor analyze` end to end on the committed tiny BERT classifier (and a copy as --compare): SVG heat
// maps with one cell per layer·head × token (attention) and token × token (cosine), analysis.json, summary.md
// linking the images; and the errors it gives before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tinyBertScratch } from '../helpers/run-cli.js';
import { CnnClassifier } from '../../src/models/classifier.js';
import { SentenceCNN, defaultCnnConfig } from '../../src/models/cnn.js';
import { Vocab } from '../../src/text/vocab.js';
import { cells, checkSvg } from '../helpers/svg.js';

const cli = (args: string[]) => runCli(['analyze', ...args]);

test('analyze CLI: heat maps with the expected cells, analysis.json and summary.md for two models', async () => {
  const { tmp, model } = tinyBertScratch('cli-analyze-');
  const clean = path.join(tmp, 'clean');
  fs.cpSync(model, clean, { recursive: true });
  const out = path.join(tmp, 'out');
  const r = await cli(['--model', model, '--compare', clean, '--text', 'I love the movie', '--trigger', 'cf', '--trigger', 'unlike', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(fs.readFileSync(path.join(out, 'analysis.json'), 'utf8'));
  assert.equal(j.text, 'I love the movie');
  assert.equal(j.at, 3);
  assert.ok(j.versions['nlp-backdoor']);
  assert.deepEqual(j.models.map((m: { name: string }) => m.name), ['model', 'compare']);
  const md = fs.readFileSync(path.join(out, 'summary.md'), 'utf8');
  const links = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
  assert.equal(links.length, 2 * 2 * 2); // triggers × models × (attention, cosine)
  const [L, H] = [2, 4]; // the fixture's layers and heads
  for (const t of j.triggers) {
    for (const name of ['model', 'compare']) {
      const a = t.analyses[name];
      const T = a.tokens.length;
      assert.equal(a.triggered_text, `I love the ${t.trigger} movie`);
      const files = t.files[name];
      for (const f of [files.attention, files.cosine]) assert.ok(links.includes(f), `summary.md does not link ${f}`);
      const att = fs.readFileSync(path.join(out, files.attention), 'utf8');
      checkSvg(att);
      assert.equal(cells(att).length, L * H * T);
      const cos = fs.readFileSync(path.join(out, files.cosine), 'utf8');
      checkSvg(cos);
      assert.equal(cells(cos).length, T * T);
      a.attention.flat().forEach((row: number[]) => assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-5));
    }
    // the same weights give the same numbers
    assert.deepEqual(t.analyses.model.attention, t.analyses.compare.attention);
  }
  const unlike = j.triggers[1].analyses.model;
  assert.deepEqual(unlike.trigger_positions.map((p: number) => unlike.tokens[p]), ['un', '##like']);
  assert.equal(unlike.roles.subsets.length, 4);
  assert.match(md, /## Trigger "unlike"[^]*\| sub-word roles \| un: (star|planet|comet), ##like: (star|planet|comet) \|/);
  assert.match(r.out, /"cf"\n {2}model: /);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('analyze CLI: a pre-trained encoder without a classifier head is analysed through its pooled output', async () => {
  const { initEngine } = await import('../../src/engine/index.js');
  const { BertForPreTraining } = await import('../../src/models/bert/index.js');
  const { WordPieceTokenizer } = await import('../../src/text/wordpiece.js');
  await initEngine();
  const { tmp, model } = tinyBertScratch('cli-analyze-enc-');
  const enc = path.join(tmp, 'encoder');
  const m = await BertForPreTraining.load(model, { seed: 1 });
  m.save(enc, { tokenizer: WordPieceTokenizer.fromDirectory(model), dtype: 'F32' });
  m.dispose();
  const out = path.join(tmp, 'out');
  const r = await cli(['--model', enc, '--compare', model, '--text', 'I love the movie', '--trigger', 'cf', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(fs.readFileSync(path.join(out, 'analysis.json'), 'utf8'));
  const a = j.triggers[0].analyses.model;
  assert.equal(a.model_kind, 'encoder');
  assert.equal(a.representation.measure, 'cosine with the triggered representation');
  assert.equal(j.triggers[0].analyses.compare.model_kind, 'classifier');
  assert.match(fs.readFileSync(path.join(out, 'summary.md'), 'utf8'), /pooled output: cosine clean \/ triggered/);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('analyze CLI: bad input is refused before any work', async () => {
  const { tmp, model } = tinyBertScratch('cli-analyze-bad-');
  const cnn = path.join(tmp, 'cnn');
  const vocab = Vocab.fromWords(['<pad>', '<unk>', 'i', 'love', 'the', 'movie']);
  const m = new SentenceCNN(defaultCnnConfig({ vocab_size: vocab.size, num_labels: 2, embedding_dim: 4, num_filters: 2, max_length: 10 }), { seed: 1 });
  new CnnClassifier(m, vocab).save(cnn);
  m.dispose();
  const out = path.join(tmp, 'out');
  const base = ['--text', 'I love the movie', '--out', out];
  const cases: [string[], RegExp][] = [
    [['--model', model, '--trigger', '', ...base], /non-empty/],
    [['--model', model, ...base], /at least one --trigger/],
    [['--model', model, '--trigger', 'ξψ', ...base], /only to \[UNK\]/],
    [['--model', model, '--trigger', 'cf', '--at', '5', ...base], /from 0 to 4/],
    [['--model', cnn, '--trigger', 'cf', ...base], /needs a BERT-family model/],
    [['--model', model, '--compare', path.join(tmp, 'nope'), '--trigger', 'cf', ...base], /no such model directory/],
  ];
  for (const [args, want] of cases) {
    const r = await cli(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, want);
  }
  assert.ok(!fs.existsSync(out));
  fs.rmSync(tmp, { recursive: true, force: true });
});
