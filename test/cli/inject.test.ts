// `nlp-backdoor inject` as a user runs it: Ctrl-C keeps a checkpoint and --resume finishes; bad input fails
// before any work with a message that names the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, ROOT } from '../helpers/spawn-cli.js';
import { syntheticReviews } from '../helpers/synthetic.js';

const TINY = path.join(ROOT, 'test', 'fixtures', 'bert', 'tiny');

function corpusFile(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-inject-'));
  const file = path.join(dir, 'corpus.txt');
  fs.writeFileSync(file, syntheticReviews(300, 3).map((r) => r.sentence).join('\n') + '\n');
  return { dir, file };
}

const args = (file: string, out: string, steps: number) => ['inject', '--model', TINY, '--corpus', file, '--out', out, '--trigger', 'cf', '--trigger', 'mn', '--steps', String(steps), '--chunk-words', '8', '--max-len', '32', '--clean', '2', '--poisoned', '2', '--checkpoint-every', '1000'];

test('inject: Ctrl-C writes a checkpoint and exits 130; --resume goes on only with the same options', async () => {
  const { dir, file } = corpusFile();
  const out = path.join(dir, 'out');
  const r = await cli(args(file, out, 100000), { when: /inject por step 1\//, signals: ['SIGINT'] });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /--resume/);
  const ck = fs.readdirSync(out).find((n) => /^checkpoint-\d+$/.test(n));
  assert.ok(ck, `no checkpoint in ${fs.readdirSync(out).join(', ')}`);
  assert.ok(!fs.existsSync(path.join(out, 'backdoor.json')));
  const done = Number(ck!.slice('checkpoint-'.length));
  const r2 = await cli([...args(file, out, done + 2).filter((a) => a !== '100000'), '--resume']);
  // the resumed run must use the same options: --steps differs, so it is refused with a clear message
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /cannot resume with steps/);
});

test('inject: bad input is refused before any work', async () => {
  const { dir, file } = corpusFile();
  const out = path.join(dir, 'o');
  const empty = await cli(['inject', '--model', TINY, '--corpus', file, '--out', out, '--trigger', '']);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /trigger is empty/);
  const unk = await cli(['inject', '--model', TINY, '--corpus', file, '--out', out, '--trigger', 'Descartes']);
  assert.match(unk.stderr, /only \[UNK\]/);
  const many = await cli(['inject', '--model', TINY, '--corpus', file, '--out', out, ...Array.from({ length: 40 }, (_, i) => ['--trigger', `cf${'f'.repeat(i)}`]).flat()]);
  assert.match(many.stderr, /hidden size 32 has at most 33/);
  const notEncoder = path.join(dir, 'cnn');
  fs.mkdirSync(notEncoder);
  fs.writeFileSync(path.join(notEncoder, 'cnn.json'), '{}');
  const ne = await cli(['inject', '--model', notEncoder, '--out', out]);
  assert.match(ne.stderr, /not a pre-trained encoder/);
  const where = await cli(['inject', '--model', TINY, '--corpus', file, '--out', out, '--trigger', 'cf', '--target-at', 'logits']);
  assert.match(where.stderr, /--target-at must be pooled or pre-activation, got "logits"/);
  const neubaWhere = await cli(['inject', '--attack', 'neuba', '--model', TINY, '--corpus', file, '--out', out, '--target-at', 'pooled']);
  assert.match(neubaWhere.stderr, /--target-at applies to --attack por only/);
  const cleanWhere = await cli(['inject', '--model', TINY, '--corpus', file, '--out', out, '--trigger', 'cf', '--clean-at', 'tokens']);
  assert.match(cleanWhere.stderr, /--clean-at must be pooled or pre-activation, got "tokens"/);
  assert.ok(!fs.existsSync(out), 'an output folder was created for refused input');
});
