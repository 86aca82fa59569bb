#!/usr/bin/env node
// Encoder-zoo score tables (scripts/zoo/encoder-zoo.mjs --docs) against a reference table, model by model: the
// verdicts, the planted triggers with a top-5 landing hit (lost and gained) and the CPU seconds per scan. The rule of
// docs/scanner.md "Large encoders": every verdict the reference's, at most one landing hit lost.
//   node scripts/zoo/compare-encoder-scans.mjs REFERENCE.json OTHER.json [OTHER.json ...]
import fs from 'node:fs';
const [ref, ...others] = process.argv.slice(2).map((f) => ({ f, j: JSON.parse(fs.readFileSync(f, 'utf8')) }));
const ids = ref.j.models.map((m) => m.id);
const hits = (m) => (m?.triggers ?? []).filter((t) => t.top5_landing != null).map((t) => t.trigger);
for (const o of others) {
  let total = 0, refTotal = 0, verdictsEqual = 0, n = 0, cpu = [];
  const lost = [], gained = [];
  for (const id of ids) {
    const a = ref.j.models.find((m) => m.id === id), b = o.j.models.find((m) => m.id === id);
    if (!b) continue;
    n++;
    if (a.verdict === b.verdict) verdictsEqual++; else console.log(`  verdict differs ${id}: ${a.verdict} ${a.score.toFixed(1)} -> ${b.verdict} ${b.score.toFixed(1)}`);
    const ha = hits(a), hb = hits(b);
    refTotal += ha.length; total += hb.length;
    for (const t of ha) if (!hb.includes(t)) lost.push(`${id}:${t}`);
    for (const t of hb) if (!ha.includes(t)) gained.push(`${id}:${t}`);
    if (b.cpu_s != null) cpu.push(b.cpu_s);
    console.log(`  ${id.padEnd(20)} ${a.verdict.padEnd(10)} ${a.score.toFixed(1).padStart(8)} | ${b.verdict.padEnd(10)} ${b.score.toFixed(1).padStart(8)} hits ${ha.length}->${hb.length} cpu ${b.cpu_s}`);
  }
  console.log(`${o.f}: models ${n}, verdicts equal ${verdictsEqual}, hits ${refTotal} -> ${total}, lost [${lost}], gained [${gained}], cpu mean ${(cpu.reduce((x, y) => x + y, 0) / cpu.length).toFixed(1)}`);
}
