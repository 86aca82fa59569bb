// `nlp-backdoor poison`: write a poisoned training set as TSV (text, label, poisoned, trigger), reproducible
// from the seed, for inspection or for training elsewhere.
import * as path from 'node:path';
import type { Command } from '../command.js';
import { str, num, requireStr, UsageError } from '../args.js';
import { datasetFlags, loadDatasetFromArgs } from '../dataset-flags.js';
import { createAttack, poison as poisonSet, triggeredTestSet, toTsv, type AttackConfigInput } from '../../attacks/index.js';
import { writeFileAtomic } from '../../common/fs-atomic.js';
import { checkOutFile, outFileFlag } from '../out-path.js';

export const poison: Command = {
  name: 'poison',
  summary: 'write a poisoned copy of a dataset\'s training split (and its triggered test set) as TSV',
  usage: '--dataset NAME|FILE --attack JSON --out FILE.tsv [--test-out FILE.tsv] [--seed N]',
  flags: {
    ...datasetFlags,
    attack: { type: 'string', description: 'attack config as JSON, e.g. \'{"type":"badnets","proportion":0.1,"target":"1"}\'' },
    out: { type: 'string', description: 'poisoned training set (TSV: text, label, poisoned, trigger)' },
    'test-out': { type: 'string', description: 'also write the triggered test set used for ASR here' },
    seed: { type: 'string', description: 'seed for the split, the selection and the insertions', default: '1' },
  },
  details: 'Attack types: trojannn, semantic-append, badnets, addsent, control (see docs/attacks.md for their options).',
  async run(args) {
    const out = checkOutFile(requireStr(args, 'out'));
    const testOut = outFileFlag(args, 'test-out');
    const seed = num(args, 'seed', { int: true }) ?? 1;
    let cfg: AttackConfigInput;
    try {
      cfg = JSON.parse(requireStr(args, 'attack')) as AttackConfigInput;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--attack is not valid JSON: ${(e as Error).message}`);
    }
    const recipe = createAttack(cfg);
    const data = loadDatasetFromArgs(args, seed);
    const poisoned = poisonSet(data, recipe, { seed });
    writeFileAtomic(out, toTsv(poisoned.train, data.labelNames));
    const n = poisoned.train.filter((e) => e.poisoned).length;
    console.log(`${poisoned.train.length} training examples (${n} poisoned by ${recipe.name}, ${recipe.mode}) written to ${path.resolve(out)}`);
    if (testOut) {
      const trig = recipe.label.kind === 'keep' ? poisonSet(data.test, { ...recipe, mode: 'replace', select: { proportion: 1 } }, { seed, labelNames: data.labelNames }) : triggeredTestSet(data, recipe, { seed });
      writeFileAtomic(testOut, toTsv(trig, data.labelNames));
      console.log(`${trig.length} triggered test examples written to ${path.resolve(testOut)}`);
    }
    return 0;
  },
};
