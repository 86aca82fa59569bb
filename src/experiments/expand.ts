// Expand an experiment into concrete runs: each run's `sweep` (cartesian product over dotted paths) and
// each seed. A concrete run has two names: `id`, readable and unique in the file (it names its folder
// under DIR/runs/, `--only` and `transfer.from` use it), and `key`, a hash of its resolved configuration
// (the experiment's dataset, model, training and evaluation settings merged with the run's, the sweep point
// applied, the seed, the run's name): the stable identity the result store (store.ts) records outcomes under, so an
// edited run is a new run even when its readable id stays the same.
import type { ExperimentConfig, RunConfig } from './schema.js';
import { sha256Of } from '../common/content-hash.js';

export interface ConcreteRun {
  /** folder name under runs/: the run name, plus sweep values, plus -s<seed> when there are several seeds */
  id: string;
  /** hash of the resolved configuration (16 hex digits): the run's identity in the result store */
  key: string;
  /** the run's name in the file (runs of one sweep share it) */
  name: string;
  /** sweep values of this instance, e.g. { "attack.proportion": 0.1 } */
  point: Record<string, unknown>;
  seed: number;
  run: RunConfig;
  /** everything that defines the run: what `key` hashes, recorded in results.json */
  resolved: ResolvedRunConfig;
}

export interface ResolvedRunConfig {
  /** the run's name in the file: two runs listed with the same settings stay two runs */
  name: string;
  dataset: unknown;
  model: unknown;
  train: unknown;
  eval: unknown;
  attack: unknown;
  transfer: unknown;
  /** present only for runs with a defense, so the keys of runs without one are unchanged */
  defense?: unknown;
  seed: number;
}

/** The run keys a sweep may set (its first dotted segment); anything else is an unknown sweep key. */
export const SWEEPABLE = ['attack', 'dataset', 'model', 'train', 'transfer', 'defense'] as const;

/** Set a dotted path in a copy-on-write way (the maps on the way are copied, the original is left alone). */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
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

/** JSON with object keys sorted at every level, so equal configurations hash equal whatever the key order. */
export function canonicalJson(x: unknown): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(canon(x)) ?? 'null';
}

/** The run's configuration with the experiment's sections merged in (the run's own values win). */
export function resolveRunConfig(cfg: ExperimentConfig, run: RunConfig, seed: number): ResolvedRunConfig {
  return {
    name: run.name,
    dataset: run.dataset ?? cfg.dataset,
    model: { ...(cfg.model ?? { type: 'cnn' }), ...(run.model ?? {}) },
    train: { ...(cfg.train ?? {}), ...(run.train ?? {}) },
    eval: cfg.eval ?? null,
    attack: run.attack ?? null,
    transfer: run.transfer ?? null,
    ...(run.defense ? { defense: run.defense } : {}),
    seed,
  };
}

export const runKeyOf = (resolved: ResolvedRunConfig): string => sha256Of([canonicalJson(resolved)]).slice(0, 16);

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
        const resolved = resolveRunConfig(cfg, concrete as RunConfig, seed);
        out.push({ id, key: runKeyOf(resolved), name: run.name, point, seed, run: concrete as RunConfig, resolved });
      }
    }
  }
  const ids = new Map<string, ConcreteRun>();
  const keys = new Map<string, ConcreteRun>();
  for (const r of out) {
    if (ids.has(r.id)) throw new Error(`two runs expand to the same id "${r.id}"`);
    ids.set(r.id, r);
    const same = keys.get(r.key);
    // a run is identified by its configuration: two identical ones would share one stored outcome
    if (same) throw new Error(`runs ${same.id} and ${r.id} have the same configuration (a sweep value repeated?)`);
    keys.set(r.key, r);
  }
  return out;
}
