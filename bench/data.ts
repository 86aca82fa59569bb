// Data-loading speed: the CSV parser on a one-column file (no delimiter anywhere, the case that went quadratic
// before the scan cached its next positions) and on 1 MB quoted fields. `scaling` is the time per line at
// 800,000 lines over the time per line at 100,000: ~1 for a linear parser (GC and caches move it by ±1),
// 8 for a quadratic one.
import { parseCsv } from '../src/data/csv.js';

function best(f: () => void, repeats = 5): number {
  let t = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t / 1000;
}

export function benchCsvParse(): Record<string, number | string> {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} of a one-column file`).join('\n');
  const small = lines(100_000);
  const large = lines(800_000);
  const tSmall = best(() => parseCsv(small, 'bench.csv'));
  const tLarge = best(() => parseCsv(large, 'bench.csv'));
  const big = 'w'.repeat(1 << 20);
  const quoted = `text,label\n${`"${big}",1\n`.repeat(8)}`;
  const tQuoted = best(() => parseCsv(quoted, 'bench.csv'));
  return {
    bench: 'csv-parse',
    one_column_lines_per_s: Math.round(800_000 / tLarge),
    one_column_100k_seconds: +tSmall.toFixed(4),
    scaling: +(tLarge / 800_000 / (tSmall / 100_000)).toFixed(2),
    quoted_mb_per_s: Math.round(8 / tQuoted),
  };
}
