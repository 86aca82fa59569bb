// Expand an experiment into concrete runs: each run's `sweep` (cartesian product over dotted paths) and
// each seed. A concrete run has a unique id that names its folder under DIR/runs/.
import type { ExperimentConfig, RunConfig } from './schema.js';

export interface ConcreteRun {
  /** folder name under runs/: the run name, plus sweep values, plus -s<seed> when there are several seeds */
  id: string;
  /** the run's name in the file (runs of one sweep share it) */
  name: string;
  /** sweep values of this instance, e.g. { "attack.proportion": 0.1 } */
  point: Record<string, unknown>;
  seed: number;
  run: RunConfig;
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    o[k] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]!] = value;
}

const fmt = (v: unknown): string => (Array.isArray(v) ? v.join('+') : String(v)).replace(/[^A-Za-z0-9._=+-]+/g, '_');

export function expandRuns(cfg: ExperimentConfig): ConcreteRun[] {
  const seeds = cfg.seeds ?? [cfg.seed ?? 1];
  const out: ConcreteRun[] = [];
  for (const run of cfg.runs) {
    const entries = Object.entries(run.sweep ?? {});
    let points: Record<string, unknown>[] = [{}];
    for (const [k, values] of entries) points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
    for (const point of points) {
      const concrete = { ...(run as Record<string, unknown>) };
      delete concrete['sweep'];
      for (const [k, v] of Object.entries(point)) setPath(concrete, k, v);
      const suffix = Object.entries(point)
        .map(([k, v]) => `${k.split('.').pop()}=${fmt(v)}`)
        .join(',');
      for (const seed of seeds) {
        const id = [run.name + (suffix ? `_${suffix.replace(/,/g, '_')}` : ''), seeds.length > 1 ? `s${seed}` : ''].filter(Boolean).join('-');
        out.push({ id, name: run.name, point, seed, run: concrete as RunConfig });
      }
    }
  }
  const ids = new Set<string>();
  for (const r of out) {
    if (ids.has(r.id)) throw new Error(`two runs expand to the same id "${r.id}"`);
    ids.add(r.id);
  }
  return out;
}
