// The experiment file (YAML or JSON): one zod schema per section, strict (an unknown key is an error naming
// it), so a typo never silently falls back to a default. `parseExperiment` reports every problem with its
// key path and the file's line.
import { z } from 'zod';
import { attackConfigSchema } from '../attacks/config.js';

const fraction = (what: string) => z.number({ error: `${what} must be a number in [0, 1)` }).min(0, `${what} must be ≥ 0`).lt(1, `${what} must be < 1`);

export const namedDatasetSchema = z.strictObject({
  name: z.string().min(1),
  dataDir: z.string().optional(),
  test: fraction('test').optional(),
  dev: fraction('dev').optional(),
});

export const fileDatasetSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(['csv', 'tsv', 'jsonl', 'folder', 'lines']).optional(),
  text: z.union([z.string(), z.number().int().nonnegative()]).optional(),
  label: z.union([z.string(), z.number().int().nonnegative()]).optional(),
  header: z.boolean().optional(),
  test: fraction('test').optional(),
  dev: fraction('dev').optional(),
  labelNames: z.array(z.string()).optional(),
  /** text encoding of the file(s): utf8 (default) or latin1 (decoded as cp1252) */
  encoding: z.enum(['utf8', 'latin1'], { error: 'encoding must be utf8 or latin1' }).optional(),
  /** skip examples with empty text (counted in a warning) instead of failing */
  skipEmpty: z.boolean().optional(),
});

export const datasetSchema = z.union([namedDatasetSchema, fileDatasetSchema], {
  error: 'dataset must be { name: mr } (a named dataset) or { path: FILE, format, text, label } (a file)',
});

export const modelSchema = z.strictObject({
  type: z.literal('cnn', { error: 'model.type: supported: cnn' }),
  filterWidths: z.array(z.number().int().min(1)).min(1).optional(),
  numFilters: z.number().int().min(1).optional(),
  dropout: z.number().min(0).lt(1).optional(),
  static: z.boolean().optional(),
  vectors: z.string().optional(),
  maxLength: z.number().int().min(1).optional(),
});

export const trainSchema = z.strictObject({
  epochs: z.number().int().min(1).optional(),
  batchSize: z.number().int().min(1).optional(),
  lr: z.number().positive().optional(),
  weightDecay: z.number().min(0).optional(),
  decay: z.enum(['decoupled', 'l2']).optional(),
  patience: z.number().int().min(0).optional(),
  /** cap the (clean) training set at this many examples, seeded and stratified (e.g. 200) */
  maxTrain: z.number().int().min(1).optional(),
});

/** Transfer learning: start from another run's model (by run name) or a model directory. */
export const transferSchema = z.strictObject({
  from: z.string().min(1),
  mode: z.enum(['head', 'full'], { error: 'transfer.mode must be head (retrain the dense layer only) or full (fine-tune all)' }),
});

/** An attack whose proportion may be 0 in sweeps: nothing is poisoned, but ASR is still measured. */
const attackSchema = z.custom<z.input<typeof attackConfigSchema>>((v) => typeof v === 'object' && v !== null, 'attack must be an object with a type');

export const runSchema = z.strictObject({
  name: z
    .string({ error: 'every run needs a name' })
    .min(1)
    .regex(/^[A-Za-z0-9._=+-]+$/, 'run names may use letters, digits and . _ = + - (they become folder names)'),
  attack: attackSchema.nullable().optional(),
  dataset: datasetSchema.optional(),
  train: trainSchema.optional(),
  transfer: transferSchema.optional(),
  /** expand this run over the cartesian product of values at dotted paths, e.g. { "attack.proportion": [0.1, 0.2] } */
  sweep: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
  /** the study's figures for this row, shown next to ours in the report */
  paper: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
});

export const evalSchema = z.strictObject({
  /** triggers inserted into every test input for the split table (name → text), added to each attack's own */
  triggers: z.record(z.string(), z.string().min(1)).optional(),
  /** where those triggers go: end (default), start, or a word index */
  position: z.union([z.enum(['end', 'start']), z.number().int().nonnegative()]).optional(),
  /** add the control trigger "night sky" (default true) */
  control: z.boolean().optional(),
});

export const experimentSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.number().int().nonnegative().optional(),
  /** several seeds: every run is repeated and the report gives mean and 95% interval */
  seeds: z.array(z.number().int().nonnegative()).min(1).optional(),
  dataset: datasetSchema,
  model: modelSchema.optional(),
  train: trainSchema.optional(),
  eval: evalSchema.optional(),
  /** free text shown in the report (e.g. the paper's setup) */
  reference: z.string().optional(),
  runs: z.array(runSchema).min(1, 'an experiment needs at least one run'),
});

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type RunConfig = z.output<typeof runSchema>;
export type DatasetConfig = z.output<typeof datasetSchema>;
export type TrainConfig = z.output<typeof trainSchema>;
