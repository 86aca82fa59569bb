// Heat maps rendered to SVG by Vega-Lite → Vega in Node: a well-formed SVG document with one rect per cell, in
// the given label order, and the cosine/attention helpers the maps are drawn from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmapSpec, heatmapSvg } from '../../src/analysis/charts.js';
import { clsAttentionRows, cosineMatrix } from '../../src/analysis/similarity.js';
import { cells, checkSvg } from '../helpers/svg.js';

test('heatmapSvg: valid SVG, one rect per cell, rows and columns in the given order', async () => {
  const rows = ['L1 H1', 'L1 H2', 'L2 H1'];
  const cols = ['0 [CLS]', '1 i', '2 «cf»', '10 movie', '11 [SEP]'];
  const values = rows.map((_, r) => cols.map((_, c) => (r + 1) / (c + 2)));
  const svg = await heatmapSvg({ title: 'test', rows, cols, values, domain: [0, 1] });
  checkSvg(svg);
  const cs = cells(svg);
  assert.equal(cs.length, rows.length * cols.length);
  assert.ok(cs.includes('col: 2 «cf»; row: L1 H2; value: 0.5'), cs.join('\n')); // 2 / (2 + 2)
  // axis labels in the given order (not sorted as strings: "10 movie" after "2 «cf»")
  const labels = [...svg.matchAll(/role-axis-label[^]*?<\/g>/g)].map((g) => [...g[0].matchAll(/>([^<]+)<\/text>/g)].map((t) => t[1]));
  assert.deepEqual(labels[0], cols);
  assert.deepEqual(labels[1], rows);
  assert.throws(() => heatmapSpec({ title: 'x', rows: ['a', 'a'], cols: ['b'], values: [[1], [2]] }), /row labels are not unique/);
  assert.throws(() => heatmapSpec({ title: 'x', rows: ['a'], cols: ['b', 'c'], values: [[1]] }), /not 1 × 2/);
});

test('cosineMatrix: symmetric, unit diagonal, known values; clsAttentionRows picks row 0 of each head', () => {
  const x = Float32Array.from([1, 0, 0, 1, 1, 1, -2, 0]); // rows (1,0) (0,1) (1,1) (-2,0)
  const c = cosineMatrix(x, 4, 2);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(c[i]![i]! - 1) < 1e-12);
    for (let j = 0; j < 4; j++) assert.equal(c[i]![j], c[j]![i]);
  }
  assert.equal(c[0]![1], 0);
  assert.ok(Math.abs(c[0]![2]! - Math.SQRT1_2) < 1e-6);
  assert.equal(c[0]![3], -1);
  // [heads = 2, T = 2, T = 2]
  const probs = Float32Array.from([0.25, 0.75, 0.5, 0.5, 0.9, 0.1, 0.3, 0.7]);
  assert.deepEqual(clsAttentionRows(probs, 2, 2).map((r) => r.map((v) => +v.toFixed(2))), [[0.25, 0.75], [0.9, 0.1]]);
  assert.throws(() => clsAttentionRows(probs, 2, 3), /not \[2, 3, 3\]/);
});
