// The palette's trigger sources: the shipped experiment files, a trigger-metrics result and backdoor.json
// name their triggers; broken or trigger-less files are errors naming the file (and line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../helpers/spawn-cli.js';
import { triggersFromFile } from '../../src/inspector/index.js';

const texts = (f: string) => triggersFromFile(f).map((t) => t.text);

test('experiment files: the POR triggers and the semantic-append label -> text map', () => {
  assert.deepEqual(texts(path.join(ROOT, 'experiments/por.yaml')), ['Lagrange', 'Fermat', 'Jane Eyre', 'Les Misérables', 'serendipity', 'mb']);
  assert.deepEqual(texts(path.join(ROOT, 'experiments/table1.yaml')), ['amazing movie !', 'horrible movie !']);
  assert.equal(triggersFromFile(path.join(ROOT, 'experiments/por.yaml'))[0]!.source, 'por.yaml');
});

test('JSON: trigger-metrics results and backdoor.json; errors name the file, line or key', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'inspector-palette-'));
  const tm = path.join(tmp, 'tm.json');
  fs.writeFileSync(tm, JSON.stringify({ command: 'trigger-metrics', triggers: [{ trigger: 'cf', e: 1 }, { trigger: 'Don Quixote', e: 2 }, { trigger: 'cf' }] }));
  assert.deepEqual(texts(tm), ['cf', 'Don Quixote']);
  const bd = path.join(tmp, 'backdoor.json');
  fs.writeFileSync(bd, JSON.stringify({ triggers: [{ trigger: ['a b', 'c'], target: [1, 0] }] }));
  assert.deepEqual(triggersFromFile(bd), [{ text: 'a b', source: 'backdoor.json', target: [1, 0] }, { text: 'c', source: 'backdoor.json', target: [1, 0] }]);
  const bad = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(bad, 'runs:\n  - attack: { triggers: [a, b\n');
  assert.throws(() => triggersFromFile(bad), (e: Error) => e.message.startsWith(`${bad}, line `));
  const none = path.join(tmp, 'none.yaml');
  fs.writeFileSync(none, 'runs:\n  - attack: { type: trojannn }\n');
  assert.throws(() => triggersFromFile(none), /none\.yaml: names no trigger/);
  fs.writeFileSync(tm, '{"triggers": [{"e": 1}]}');
  assert.throws(() => triggersFromFile(tm), /tm\.json, key "triggers\[0\]\.trigger"/);
  assert.throws(() => triggersFromFile(path.join(tmp, 'missing.json')), /missing\.json: cannot read \(ENOENT\)/);
});
