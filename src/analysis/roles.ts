// Sub-word roles of a trigger by ablation (Shen et al. CCS'21, "why triggers work"): a trigger the tokenizer
// splits into sub-words ("descartes" → des ##car ##tes) may owe its effect to one of them. With the trigger
// inserted, keep every subset of its sub-word tokens (the others removed from the input) and record whether
// the prediction still lands where the whole trigger sends it. Then each sub-word is
//   star   — it carries the effect alone: keeping only it already lands on the target;
//   planet — not alone, but only together with others: for some subset A of the other sub-words, A alone
//            does not land on the target and A plus this sub-word does;
//   comet  — it adds nothing: no subset lands on the target because of it.
// A trigger that does not move the sentence's prediction has no effect to carry: all its sub-words are comets.

export type SubwordRole = 'star' | 'planet' | 'comet';

/**
 * Roles of k sub-words from the outcome of every subset: `lands[mask]` is true when the input with the
 * sub-words of `mask` (bit i = sub-word i) kept lands on the target. lands[0] is the trigger fully removed
 * (the clean sentence), lands[2^k − 1] the whole trigger.
 */
export function assignRoles(k: number, lands: readonly boolean[]): SubwordRole[] {
  if (!Number.isInteger(k) || k < 0 || lands.length !== 2 ** k) throw new Error(`assignRoles: need 2^${k} subset outcomes, got ${lands.length}`);
  const full = (1 << k) - 1;
  // no effect to explain: the whole trigger does not land on the target, or the clean sentence already does
  if (!lands[full] || lands[0]) return new Array<SubwordRole>(k).fill('comet');
  return Array.from({ length: k }, (_, i) => {
    const bit = 1 << i;
    if (lands[bit]) return 'star';
    for (let a = 0; a <= full; a++) if (!(a & bit) && !lands[a] && lands[a | bit]) return 'planet';
    return 'comet';
  });
}
