// Shared by the small-BERT defense scripts (bert.mjs, bert-rap-diagnose.mjs): command-line flags, and the
// SST-2 BadNets setting of the defense table (experiments/defenses.yaml): the shipped SST-2 split, the attack,
// its triggered test inputs and ASR goal. Build first (npx tsc -p tsconfig.json).
import { loadNamedDataset, shippedDataDir } from '../../dist/src/data/index.js';
import { createAttack, triggeredTestSet, asrGoalOf } from '../../dist/src/attacks/index.js';

/** `--name VALUE` from the command line, else `d`. */
export const flag = (n, d) => {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : d;
};

export const BADNETS = { type: 'badnets', proportion: 0.1, target: 'positive' };

/** The shipped SST-2 (split seed `seed`), the BadNets recipe, its triggered test inputs and ASR goal. */
export function sst2Badnets(seed) {
  const ds = loadNamedDataset('sst2', { dataDir: shippedDataDir(), seed });
  const recipe = createAttack(BADNETS);
  return { ds, recipe, triggered: triggeredTestSet(ds, recipe, { seed, labelNames: ds.labelNames }), goal: asrGoalOf(recipe, ds.labelNames) };
}
