import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../../src/cli/args.js';
import { pretrain } from '../../src/cli/commands/pretrain.js';
import { BertForMaskedLM } from '../../src/models/bert/index.js';

test('nlp-backdoor pretrain: tiny config file, custom vocab, F16 output, a changed --steps refused on --resume', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pretrain-cli-'));
  const words = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', '.'];
  fs.writeFileSync(path.join(dir, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...words].join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'corpus.txt'), Array.from({ length: 50 }, (_, i) => (i % 2 ? 'the cat sat on the mat .' : 'the dog ran .')).join('\n'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16 }));
  const out = path.join(dir, 'out');
  const argv = ['--corpus', path.join(dir, 'corpus.txt'), '--vocab', path.join(dir, 'vocab.txt'), '--config', path.join(dir, 'config.json'), '--out', out, '--batch-size', '4', '--max-len', '16', '--checkpoint-every', '2', '--dtype', 'F16', '--seed', '1'];
  const log = console.log;
  const lines: string[] = [];
  console.log = (s: string) => void lines.push(s);
  try {
    assert.equal(await pretrain.run(parseArgs([...argv, '--steps', '3'], pretrain.flags)), 0);
  } finally {
    console.log = log;
  }
  const summary = JSON.parse(lines[0]!) as { step: number; tokens_seen: number };
  assert.equal(summary.step, 3);
  assert.ok(summary.tokens_seen > 0);
  const m = await BertForMaskedLM.load(out);
  assert.equal(m.config.vocab_size, 13);
  assert.equal(m.config.num_hidden_layers, 1);
  m.dispose();
  const header = fs.readFileSync(path.join(out, 'model.safetensors')).subarray(8, 200).toString('latin1');
  assert.match(header, /"F16"/);
  // different --steps with --resume is refused (the schedule would change)
  await assert.rejects(pretrain.run(parseArgs([...argv, '--steps', '5', '--resume'], pretrain.flags)), /cannot resume with steps=5/);
  await assert.rejects(pretrain.run(parseArgs(['--corpus', path.join(dir, 'nope.txt'), '--out', out], pretrain.flags)), /no such file/);
  fs.rmSync(dir, { recursive: true, force: true });
});
