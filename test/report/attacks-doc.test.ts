// Issue 12 item 10: docs/attacks.md is generated from the schemas, and a stale committed copy fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderAttacksDoc, EXAMPLE_EXPERIMENT } from '../../src/report/attacks-doc.js';
import { attackJsonSchema, experimentJsonSchema } from '../../src/experiments/json-schema.js';
import { parseExperiment } from '../../src/experiments/load.js';
import { validateExperiment } from '../../src/experiments/validate.js';
import { ATTACK_TYPES, attackConfigSchema } from '../../src/attacks/index.js';
import { experimentSchema, trainSchema } from '../../src/experiments/schema.js';
import { knownDatasets } from '../../src/data/index.js';
import { packageRoot } from '../../src/common/versions.js';
import { cli } from '../helpers/cli.js';

test('the committed docs/attacks.md is what the schemas generate (rebuild: npm run docs:attacks)', () => {
  const committed = fs.readFileSync(path.join(packageRoot(), 'docs', 'attacks.md'), 'utf8');
  assert.ok(committed === renderAttacksDoc(), 'docs/attacks.md is stale: run `npm run docs:attacks` and commit it');
});

test('the page covers every attack option, every experiment key, label references and the data-dir layout', () => {
  const doc = renderAttacksDoc();
  for (const t of ATTACK_TYPES) assert.match(doc, new RegExp(`### ${t}\\n`));
  for (const opt of attackConfigSchema.options.flatMap((o) => Object.keys(o.shape))) assert.ok(doc.includes(`| \`${opt}\` |`), `attack option ${opt}`);
  for (const k of [...Object.keys(experimentSchema.shape), ...Object.keys(trainSchema.shape)]) assert.ok(doc.includes(`| \`${k}\` |`), `experiment key ${k}`);
  assert.match(doc, /\| `badnets` \| one of `cf`, `mn`, `bb`, `tq` per insertion \| 1–3× at random positions \| target `1` \| `replace` \|/);
  assert.match(doc, /\| `epochs` \| integer \(≥ 1\) \|  \| `10` \|/);
  assert.match(doc, /label \*\*name\*\*.*0-based label \*\*index\*\*/s);
  for (const d of knownDatasets) assert.ok(doc.includes(`| \`${d.name}\` |`), `dataset ${d.name}`);
  // the example on the page is a valid file: label names as trigger keys, its sweep and transfer included
  const v = validateExperiment(parseExperiment(EXAMPLE_EXPERIMENT, 'attacks.md'));
  assert.deepEqual(v.runs.map((r) => r.id), ['clean', 'append', 'rare_proportion=0.01', 'rare_proportion=0.1', 'small-target']);
});

test('nlp-backdoor schema prints the JSON schema of experiment files and of attacks', async () => {
  const r = await cli(['schema']);
  assert.equal(r.code, 0, r.out);
  const j = JSON.parse(r.out);
  assert.deepEqual(JSON.parse(r.out), experimentJsonSchema());
  assert.equal(j.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.deepEqual(j.required, ['name', 'dataset', 'runs']);
  assert.equal(j.additionalProperties, false);
  assert.equal(j.properties.runs.items.properties.attack.anyOf[0].oneOf.length, ATTACK_TYPES.length);
  const a = await cli(['schema', 'attack']);
  assert.deepEqual(JSON.parse(a.out), attackJsonSchema());
  assert.equal((await cli(['schema', 'other'])).code, 2);
});
