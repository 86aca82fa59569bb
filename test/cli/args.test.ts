import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, num, UsageError } from '../../src/cli/args.js';
import { main } from '../../src/cli/main.js';

const specs = {
  out: { type: 'string', description: 'x' },
  seed: { type: 'string', description: 'x', default: '1' },
  quiet: { type: 'boolean', description: 'x' },
  text: { type: 'list', description: 'x' },
} as const;

test('parses --k v, --k=v, booleans, lists and positionals', () => {
  const a = parseArgs(['file.yaml', '--out', 'dir', '--seed=3', '--quiet', '--text', 'a b', '--text', 'c'], specs);
  assert.deepEqual(a.positionals, ['file.yaml']);
  assert.equal(a.flags['out'], 'dir');
  assert.equal(a.flags['seed'], '3');
  assert.equal(a.flags['quiet'], true);
  assert.deepEqual(a.flags['text'], ['a b', 'c']);
});

test('defaults apply; unknown flags and missing values are usage errors naming the flag', () => {
  assert.equal(parseArgs([], specs).flags['seed'], '1');
  assert.throws(() => parseArgs(['--nope'], specs), (e: Error) => e instanceof UsageError && /--nope/.test(e.message));
  assert.throws(() => parseArgs(['--out'], specs), /--out needs a value/);
  assert.throws(() => parseArgs(['--out', '--quiet'], specs), /--out needs a value/);
});

test('num validates integers and ranges', () => {
  const a = parseArgs(['--seed', '2.5'], specs);
  assert.throws(() => num(a, 'seed', { int: true }), /--seed must be an integer/);
  assert.throws(() => num(parseArgs(['--seed', '-1'], specs), 'seed', { min: 0 }), /must be >= 0/);
  assert.equal(num(parseArgs(['--seed', '7'], specs), 'seed', { int: true }), 7);
});

test('main: --help lists commands and exits 0; unknown commands exit 2', async () => {
  const logs: string[] = [];
  const orig = console.log;
  const origErr = console.error;
  console.log = (s: string) => logs.push(s);
  console.error = (s: string) => logs.push(s);
  try {
    assert.equal(await main(['--help']), 0);
    assert.match(logs.join('\n'), /train\s.*\n.*predict/s);
    assert.equal(await main(['train', '--help']), 0);
    assert.match(logs.join('\n'), /--dataset/);
    assert.equal(await main(['frobnicate']), 2);
    assert.equal(await main(['train', '--bogus', '1']), 2);
  } finally {
    console.log = orig;
    console.error = origErr;
  }
});
