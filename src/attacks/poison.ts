// Applying a recipe: pick the examples, insert the trigger, set the label. Everything random comes from
// the seed (selection and each example's insertions use separate forked streams), so a poisoned set is
// reproducible from (data, recipe, seed).
import type { Dataset, Example } from '../data/types.js';
import { InputError } from '../common/errors.js';
import { Rng } from '../common/random.js';
import type { InsertionStrategy } from '../triggers/insert.js';
import { resolveLabelKey, triggerForLabel, type LabelTriggers, type Trigger } from '../triggers/trigger.js';
import type { AsrGoal } from '../eval/metrics.js';
import { resolveLabelPolicy, type LabelPolicy } from './label-policy.js';
import type { PoisonRecipe } from './recipe.js';
import { selectionSize } from './selection.js';

export interface PoisonOptions {
  seed: number;
  /** label names, for recipes that name labels; taken from the dataset when poisoning a Dataset */
  labelNames?: readonly string[];
}

function numClassesOf(examples: readonly Example[], labelNames?: readonly string[]): number {
  if (labelNames) return labelNames.length;
  // without names, the labels present decide (at least 2: a reversal of all-0 data is still binary)
  let max = 1;
  for (const e of examples) max = Math.max(max, e.label);
  return max + 1;
}

/** Per example: the trigger and new label, or undefined when the recipe cannot poison it. */
function planner(trigger: LabelTriggers, policy: LabelPolicy, examples: readonly Example[], labelNames?: readonly string[]) {
  const numClasses = numClassesOf(examples, labelNames);
  const newLabel = resolveLabelPolicy(policy, numClasses, labelNames);
  const triggers = new Map<number, Trigger | undefined>();
  return (e: Example): { trigger: Trigger; label: number } | undefined => {
    if (!Number.isInteger(e.label) || e.label < 0 || e.label >= numClasses) {
      throw new InputError(`label ${e.label} out of range (${numClasses} labels)`, e.source);
    }
    if (!triggers.has(e.label)) triggers.set(e.label, triggerForLabel(trigger, e.label, labelNames));
    const t = triggers.get(e.label);
    const label = newLabel(e.label);
    return t && label !== undefined ? { trigger: t, label } : undefined;
  };
}

function triggerOne(e: Example, trigger: Trigger, label: number, insert: InsertionStrategy, rng: Rng, defaultKind: string): Example {
  // an example poisoned before keeps its earlier trigger records (shifted), and they are never split
  const r = insert(e.triggers?.length ? { text: e.text, insertions: e.triggers } : e.text, trigger, rng);
  return {
    ...e,
    text: r.text,
    label,
    poisoned: true,
    originalLabel: e.originalLabel ?? e.label,
    triggers: [...r.insertions],
    triggerKind: trigger.kind ?? defaultKind,
  };
}

function poisonExamples(examples: readonly Example[], r: PoisonRecipe, opts: PoisonOptions): Example[] {
  const plan = planner(r.trigger, r.label, examples, opts.labelNames);
  const target = r.label.kind === 'target' ? resolveLabelKey(r.label.target, opts.labelNames) : undefined;
  const pool = r.select.pool ?? (r.label.kind === 'target' ? 'non-target' : 'any');
  if (pool === 'target' && target === undefined) throw new InputError('clean-label selection needs a target label');
  const candidates: number[] = [];
  examples.forEach((e, i) => {
    const p = plan(e);
    if (!p) return;
    if (pool === 'target' && e.label !== target) return;
    if (pool === 'non-target' && p.label === e.label) return;
    candidates.push(i);
  });
  const k = selectionSize(r.select, examples.length);
  if (k > candidates.length) {
    throw new InputError(
      `${r.name}: asked to poison ${k} of ${examples.length} examples, but only ${candidates.length} are eligible (pool "${pool}")`,
    );
  }
  const rng = new Rng(opts.seed);
  const chosen = rng
    .fork('select')
    .sample(candidates.length, k)
    .map((j) => candidates[j]!)
    .sort((a, b) => a - b);
  const insertRng = rng.fork('insert');
  const poisoned = new Map<number, Example>();
  for (const i of chosen) {
    const e = examples[i]!;
    const p = plan(e)!;
    poisoned.set(i, triggerOne(e, p.trigger, p.label, r.insert, insertRng.fork(String(i)), r.name));
  }
  if (r.mode === 'add') return [...examples, ...chosen.map((i) => poisoned.get(i)!)];
  return examples.map((e, i) => poisoned.get(i) ?? e);
}

/**
 * Poison a training set. A Dataset has its `train` split poisoned (dev and test untouched); an example
 * array is poisoned as a whole. Inputs are not modified. Poisoned examples carry poisoned: true,
 * originalLabel, triggers (exact offsets) and triggerKind (the trigger's kind, else the recipe name).
 */
export function poison(data: Dataset, recipe: PoisonRecipe, opts: PoisonOptions): Dataset;
export function poison(data: readonly Example[], recipe: PoisonRecipe, opts: PoisonOptions): Example[];
export function poison(data: Dataset | readonly Example[], recipe: PoisonRecipe, opts: PoisonOptions): Dataset | Example[] {
  if (!Array.isArray(data)) {
    const ds = data as Dataset;
    const train = poisonExamples(ds.train, recipe, { ...opts, labelNames: opts.labelNames ?? ds.labelNames });
    const note = `train poisoned with ${recipe.name} (${recipe.mode}, seed ${opts.seed})`;
    return { ...ds, train, provenance: ds.provenance ? `${ds.provenance}\n${note}` : note };
  }
  return poisonExamples(data as readonly Example[], recipe, opts);
}

/**
 * The triggered test set for measuring ASR: every test example the attack aims at, with the trigger
 * inserted and `label` set to the label the attacker wants (originalLabel keeps the truth). Target attacks
 * leave out examples already of the target label; reversing attacks take all (that have a trigger); keep
 * policies (control triggers) take all with labels unchanged. A Dataset contributes its test split.
 * Independent of the recipe's selection, proportion and mode.
 */
export function triggeredTestSet(data: Dataset | readonly Example[], recipe: PoisonRecipe, opts: PoisonOptions): Example[] {
  const ds = Array.isArray(data) ? undefined : (data as Dataset);
  const examples = ds ? ds.test : (data as readonly Example[]);
  const labelNames = opts.labelNames ?? ds?.labelNames;
  const plan = planner(recipe.trigger, recipe.label, examples, labelNames);
  const rng = new Rng(opts.seed).fork('test');
  const out: Example[] = [];
  examples.forEach((e, i) => {
    const p = plan(e);
    if (!p || (recipe.label.kind !== 'keep' && p.label === e.label)) return;
    out.push(triggerOne(e, p.trigger, p.label, recipe.insert, rng.fork(String(i)), recipe.name));
  });
  return out;
}

/**
 * Insert a trigger into every example (that has one for its label), labels unchanged: e.g. each of
 * Guan & Duong's control / positive / negative triggers applied to the whole test set for the split table.
 */
export function applyTrigger(
  examples: readonly Example[],
  trigger: LabelTriggers,
  insert: InsertionStrategy,
  opts: PoisonOptions & { kind?: string },
): Example[] {
  const plan = planner(trigger, { kind: 'keep' }, examples, opts.labelNames);
  const rng = new Rng(opts.seed).fork('apply');
  const out: Example[] = [];
  examples.forEach((e, i) => {
    const p = plan(e);
    if (!p) return;
    const t = opts.kind === undefined ? p.trigger : { ...p.trigger, kind: opts.kind };
    out.push(triggerOne(e, t, e.label, insert, rng.fork(String(i)), 'trigger'));
  });
  return out;
}

/** The ASR goal of a recipe: its target label, flipping for binary reversals, or its mapping. Control triggers have none. */
export function asrGoalOf(recipe: PoisonRecipe, labelNames?: readonly string[]): AsrGoal {
  switch (recipe.label.kind) {
    case 'target':
      return { target: resolveLabelKey(recipe.label.target, labelNames) };
    case 'reverse': {
      const m = recipe.label.mapping;
      if (m === undefined) return { flip: true };
      // the same resolution as poisoning, so ASR counts exactly the label the poisoned training data taught
      const mapping: Record<number, number> = {};
      for (const [from, to] of Object.entries(m)) mapping[resolveLabelKey(from, labelNames)] = resolveLabelKey(to, labelNames);
      return { mapping };
    }
    case 'keep':
      throw new InputError(`${recipe.name} keeps labels, so it has no attack success rate`);
  }
}
