// Everything about an experiment that can be checked without training, checked before the first run trains:
// the output folder, every dataset (name, files, columns, labels), every swept value, every attack against
// the labels of its data (trigger keys, targets, mappings, how many examples are eligible) and every transfer
// source. `run --validate-only` stops here; `run` starts here, so a file that validates does not die midway.
// Every error names the experiment file, the line and the key the problem comes from.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../data/types.js';
import { loadDatasetSpec, type DatasetSpec } from '../data/index.js';
import { createAttack, poison, triggeredTestSet, type AttackConfigInput, type PoisonRecipe } from '../attacks/index.js';
import { resolveLabelKey } from '../triggers/trigger.js';
import { capStratified } from '../train/sample.js';
import { InputError, quote } from '../common/errors.js';
import { DEFAULT_VECTORS, NAMED_VECTORS } from '../text/vectors.js';
import { fileInTheWay } from '../common/paths.js';
import { runSchema, type DatasetConfig, type ExperimentConfig } from './schema.js';
import { defenseConfigSchema } from '../defenses/config.js';
import { expandRuns, SWEEPABLE, type ConcreteRun } from './expand.js';
import type { LineOf } from './load.js';

export interface ValidateOptions {
  /** where named datasets live (like shared/data); mr and sst2 ship with the package */
  dataDir?: string;
  /** folder of the experiment file: relative dataset/model paths resolve against it */
  baseDir?: string;
  /** the experiment file, named in errors */
  file?: string;
  /** line lookup of the experiment file (from loadExperiment), so errors name the line */
  lineOf?: LineOf;
  /** the output folder the run will write */
  outDir?: string;
  /** only these run names (or ids), as `run --only` */
  only?: string[];
  log?: (line: string) => void;
}

export interface ValidatedExperiment {
  /** the concrete runs to do, in order */
  runs: ConcreteRun[];
  /** every dataset the runs use, loaded, keyed by datasetKey */
  datasets: Map<string, Dataset>;
}

/** A dataset config as a DatasetSpec: relative paths against the experiment's folder. */
export function resolveDataset(d: DatasetConfig, seed: number, opts: { baseDir?: string; dataDir?: string }): DatasetSpec {
  if ('name' in d) return { name: d.name, dataDir: d.dataDir ? path.resolve(opts.baseDir ?? '.', d.dataDir) : opts.dataDir, seed, test: d.test, dev: d.dev };
  return {
    path: path.resolve(opts.baseDir ?? '.', d.path),
    format: d.format,
    text: d.text,
    label: d.label,
    header: d.header,
    seed,
    test: d.test,
    dev: d.dev,
    labelNames: d.labelNames,
    ...(d.encoding ? { encoding: d.encoding } : {}),
    ...(d.skipEmpty !== undefined ? { skipEmpty: d.skipEmpty } : {}),
  };
}

/** The key of a dataset in ValidatedExperiment.datasets. */
export const datasetKey = (spec: DatasetSpec): string => JSON.stringify(spec);

/** The seed every run's data split uses (the first seed: all seeds of an experiment share one split). */
export const dataSeedOf = (cfg: ExperimentConfig): number => cfg.seed ?? cfg.seeds?.[0] ?? 1;

/** A recipe for an attack config; proportion 0 (a sweep's baseline) builds the recipe but poisons nothing. */
export function recipeOf(a: AttackConfigInput): { recipe: PoisonRecipe; poisonNothing: boolean } {
  const raw = a as Record<string, unknown>;
  const zero = raw['proportion'] === 0;
  return { recipe: createAttack((zero ? { ...raw, proportion: 1 } : raw) as AttackConfigInput), poisonNothing: zero };
}

/** Label references of an attack config, with their key paths under `attack`. */
function labelRefs(a: Record<string, unknown>): { key: string[]; ref: string | number }[] {
  const out: { key: string[]; ref: string | number }[] = [];
  const t = a['target'];
  if ((typeof t === 'string' && t !== 'reverse') || typeof t === 'number') out.push({ key: ['target'], ref: t });
  for (const [from, to] of Object.entries((a['mapping'] as Record<string, string | number> | undefined) ?? {})) {
    out.push({ key: ['mapping', from], ref: from }, { key: ['mapping', from], ref: to });
  }
  for (const k of Object.keys((a['triggers'] as Record<string, unknown> | undefined) ?? {})) out.push({ key: ['triggers', k], ref: k });
  return out;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function validateExperiment(cfg: ExperimentConfig, opts: ValidateOptions = {}): ValidatedExperiment {
  const file = opts.file;
  const fail = (keyPath: (string | number)[], message: string): never => {
    throw new InputError(message, file, opts.lineOf?.(keyPath), keyPath.join('.') || undefined);
  };
  if (opts.outDir !== undefined) {
    const f = fileInTheWay(opts.outDir);
    if (f === path.resolve(opts.outDir)) throw new InputError('the output folder is an existing file; give a folder (new or existing) for the results', opts.outDir);
    if (f) throw new InputError(`cannot create the output folder: ${f} is a file`, opts.outDir);
  }
  // the word vectors are read when the first run trains (as given: the runner passes the spec through)
  const vectors = cfg.model?.vectors;
  if (vectors && !NAMED_VECTORS.includes(vectors) && !fs.existsSync(vectors)) {
    fail(['model', 'vectors'], `word vectors ${quote(vectors)} not found (give ${DEFAULT_VECTORS}, the shipped set, or a GloVe/word2vec text file, .f16.bin/.json or .safetensors set)`);
  }
  // a sweep sets keys of its run: the first segment must be one of them (deeper typos are caught below,
  // when each expanded run is checked against the strict run schema, and reported at the sweep key's line)
  cfg.runs.forEach((run, i) => {
    for (const k of Object.keys(run.sweep ?? {})) {
      const first = k.split('.')[0]!;
      if (!(SWEEPABLE as readonly string[]).includes(first) || k.split('.').some((s) => s === '')) {
        fail(['runs', i, 'sweep', k], `unknown sweep key "${k}" in run ${run.name}: a sweep key is a dotted path into the run, starting with ${SWEEPABLE.join(', ')} (e.g. attack.proportion, train.epochs, model.numFilters)`);
      }
    }
  });
  let runs: ConcreteRun[] = [];
  try {
    runs = expandRuns(cfg);
  } catch (e) {
    throw new InputError(messageOf(e), file);
  }
  if (opts.only?.length) {
    const unknown = opts.only.filter((o) => !runs.some((r) => r.name === o || r.id === o));
    if (unknown.length) throw new InputError(`--only: no run named ${unknown.map((u) => JSON.stringify(u)).join(', ')}; runs: ${runs.map((r) => r.id).join(', ')}`, file);
    runs = runs.filter((r) => opts.only!.includes(r.name) || opts.only!.includes(r.id));
  }
  const datasets = new Map<string, Dataset>();
  const dataSeed = dataSeedOf(cfg);
  runs.forEach((cr, order) => {
    const ri = cfg.runs.findIndex((r) => r.name === cr.name);
    const base = ['runs', ri];
    // a key set by the run's sweep is reported at the sweep's line
    const keyOf = (sub: string[]): (string | number)[] => {
      const swept = Object.keys(cr.point).find((k) => sub.join('.') === k || sub.join('.').startsWith(`${k}.`));
      return swept ? [...base, 'sweep', swept] : [...base, ...sub];
    };
    const run = cr.run;
    const sweptRun = runSchema.safeParse(run);
    if (!sweptRun.success) {
      const iss = sweptRun.error.issues[0]!;
      // an unknown key is located at itself (so a swept "train.epochz" points at the sweep's line)
      const at = iss.code === 'unrecognized_keys' ? [...iss.path.map(String), iss.keys[0]!] : iss.path.map(String);
      fail(keyOf(at), `run ${cr.id}: ${at.join('.')}: ${iss.message}`);
    }
    // the defense, against its strict schema (after the sweep point is applied, so a swept defense.type is checked)
    if (run.defense) {
      const d = defenseConfigSchema.safeParse(run.defense);
      if (!d.success) {
        const iss = d.error.issues[0]!;
        const at = ['defense', ...(iss.code === 'unrecognized_keys' ? [...iss.path.map(String), iss.keys[0]!] : iss.path.map(String))];
        fail(keyOf(at), `run ${cr.id}: ${at.join('.')}: ${iss.message}`);
      }
      const corpus = d.data?.lmCorpus;
      if (corpus && !fs.existsSync(path.resolve(opts.baseDir ?? '.', corpus))) fail(keyOf(['defense', 'lmCorpus']), `run ${cr.id}: defense.lmCorpus: no such file ${quote(corpus)} (relative to the experiment file)`);
    }
    // the dataset: name, data folder, files, format, columns, labels
    const dsKeyPath = run.dataset ? [...base, 'dataset'] : ['dataset'];
    const spec = resolveDataset(run.dataset ?? cfg.dataset, dataSeed, opts);
    const key = datasetKey(spec);
    let ds = datasets.get(key);
    if (!ds) {
      try {
        ds = loadDatasetSpec(spec);
      } catch (e) {
        // a problem with a key of the dataset entry itself (an unknown name) is reported at that key
        if (e instanceof InputError && !e.file && e.key) fail([...dsKeyPath, e.key], `dataset: ${e.detail}`);
        fail(dsKeyPath, `dataset: ${messageOf(e)}`);
      }
      datasets.set(key, ds!);
      for (const w of ds!.warnings ?? []) opts.log?.(`dataset ${ds!.name}: ${w}`);
    }
    const data = ds!;
    // the attack against this data's labels: each label reference at its own key, then a dry run of the
    // poisoning (eligible examples, reversal on multi-class data) on the same training examples
    if (run.attack) {
      const a = run.attack as Record<string, unknown>;
      for (const r of labelRefs(a)) {
        try {
          resolveLabelKey(r.ref, data.labelNames);
        } catch (e) {
          fail(keyOf(['attack', ...r.key]), `${messageOf(e)} (dataset ${data.name}; a trigger key or target is a label name or a 0-based label index)`);
        }
      }
      try {
        const { recipe, poisonNothing } = recipeOf(run.attack);
        const maxTrain = run.train?.maxTrain ?? cfg.train?.maxTrain;
        const train = maxTrain ? capStratified(data.train, maxTrain, cr.seed) : data.train;
        if (!poisonNothing) poison(train, recipe, { seed: cr.seed, labelNames: data.labelNames });
        if (recipe.label.kind !== 'keep') triggeredTestSet(data, recipe, { seed: cr.seed, labelNames: data.labelNames });
      } catch (e) {
        fail(keyOf(['attack']), `run ${cr.id}: ${messageOf(e)} (dataset ${data.name}: train ${data.train.length}, labels ${data.labelNames.join(', ')})`);
      }
    }
    // the transfer source: an earlier run of this file (same seed), or a model folder
    if (run.transfer) {
      const from = run.transfer.from;
      const same = runs.filter((r) => r.name === from && r.seed === cr.seed);
      if (same.length > 1) fail(keyOf(['transfer', 'from']), `transfer.from "${from}" is a sweep with ${same.length} runs; name one run id instead (${same.map((r) => r.id).join(', ')})`);
      const src = same[0] ?? runs.find((r) => r.id === from);
      if (src) {
        if (runs.indexOf(src) >= order) fail(keyOf(['transfer', 'from']), `transfer source run "${from}" must come before run ${cr.id} in the file`);
      } else if (expandRuns(cfg).some((r) => r.name === from || r.id === from)) {
        fail(keyOf(['transfer', 'from']), `transfer source run "${from}" is left out by --only; include it`);
      } else {
        const dir = path.resolve(opts.baseDir ?? '.', from);
        if (!fs.existsSync(path.join(dir, 'config.json'))) fail(keyOf(['transfer', 'from']), `transfer.from "${from}" is neither a run of this file nor a model folder (no ${path.join(dir, 'config.json')})`);
      }
    }
  });
  return { runs, datasets };
}
