#!/usr/bin/env node
// Print the measured numbers of finished runs as markdown, for docs/reproduction.md:
//   node scripts/results-tables.mjs results
// Reads <dir>/*/metrics.json (train runs) and <dir>/*/results.json (experiments).
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = process.argv[2] ?? 'results';
const pct = (x) => (x === null || x === undefined || Number.isNaN(x) ? '–' : (100 * x).toFixed(1));
for (const name of fs.readdirSync(root).sort()) {
  const d = path.join(root, name);
  const m = path.join(d, 'metrics.json');
  const r = path.join(d, 'results.json');
  if (fs.existsSync(m)) {
    const j = JSON.parse(fs.readFileSync(m, 'utf8'));
    console.log(`- \`${name}\`: ${j.dataset}, ${j.model}, seed ${j.seed}: test accuracy **${pct(j.test.accuracy)}%** (n=${j.test.n}), dev ${pct(j.dev.accuracy)}%, best epoch ${j.best_epoch}/${j.epochs_run ?? j.history.length}, ${Math.round(j.train_seconds)} s, backend ${j.backend}`);
  }
  if (fs.existsSync(r)) {
    const j = JSON.parse(fs.readFileSync(r, 'utf8'));
    console.log(`\n### ${j.experiment.name} (${j.status}, ${j.runs.length} runs)\n`);
    console.log('| run | dataset | attack | transfer | CACC % | ASR % | epochs | s |');
    console.log('|---|---|---|---|---:|---:|---:|---:|');
    for (const x of j.runs) {
      const a = x.attack ? `${x.attack.type}${x.attack.proportion !== undefined ? ` p=${x.attack.proportion}` : ''}` : '';
      console.log(`| ${x.id} | ${x.dataset} | ${a} | ${x.transfer ? `${x.transfer.mode} ← ${x.transfer.from}` : ''} | ${pct(x.metrics.cacc)} | ${pct(x.metrics.asr)} | ${x.metrics.best_epoch}/${x.metrics.epochs_run} | ${Math.round(x.metrics.train_seconds)} |`);
    }
  }
}
