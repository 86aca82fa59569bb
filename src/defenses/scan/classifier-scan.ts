// Trigger search in a text classifier from a few clean labelled samples (issue 10). The attacker's trigger is
// a token or short phrase whose insertion moves inputs of every other label to the target label. Three stages:
//  1. sweep: every vocabulary token inserted once into a few short, correctly classified probe samples per
//     label; its mean rise in each label's probability pre-ranks the vocabulary (a 30k-token vocabulary costs
//     30k × probes forward passes of short sequences, batched);
//  2. flip rates: the best tokens per target, inserted at a seeded position into every correctly classified
//     sample of another label; with them, the same for their nearest neighbours in meaning (target.ts) and
//     for two-token phrases of the best candidates;
//  3. the trap: an ordinary word that means the target label ("horrible" in a review classifier) flips many
//     inputs of a clean model too (0.67 in the measurement). Its neighbours in meaning ("terrible",
//     "awful") flip about as many, while a planted trigger has no neighbour that does: "cf" has no meaning
//     (no GloVe vector), "quite" sits next to "very" and "rather", which flip nothing. A candidate's excess
//     flip rate, its flip rate minus the largest of its neighbours' (the largest, so that an antonym among the
//     neighbours, frequent in distributional embeddings, cannot lower the baseline), is the part of its
//     effect its meaning does not explain; candidates are ranked by it; the model's score is how far the best stands above the next ones (outlierScore).
//     Meaning comes from an embedding the backdoor did not train (target.ts).
import { Rng } from '../../common/random.js';
import { softmax, argmax } from '../../common/softmax.js';
import type { ScanTarget } from './target.js';

export interface ScanSample {
  text: string;
  label: number;
}

export interface ClassifierScanOptions {
  seed: number;
  /** shortest correctly classified samples per label the sweep inserts every token into (default 5) */
  probesPerLabel?: number;
  /** tokens per target label with the largest rise, and as many with the largest rise above their neighbours', whose flip rate is measured on every sample (default 16) */
  shortlist?: number;
  /** embedding neighbours that make a candidate's baseline (default 4) */
  neighbors?: number;
  /** best single tokens per target combined into two-token phrases (default 5) */
  phraseFrom?: number;
  /** sequences per forward pass (default 256) */
  batchSize?: number;
  /** candidates reported (default 20) */
  top?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface ClassifierCandidate {
  trigger: string;
  /** token ids of the trigger in the model's vocabulary */
  ids: number[];
  target: number;
  target_name: string;
  /** share of the correctly classified samples of other labels whose prediction lands on the target after one insertion */
  flip_rate: number;
  /** largest flip rate of the candidate with its tokens replaced by one of their nearest neighbours in meaning (0 without any) */
  neighbor_flip_rate: number;
  /** the neighbours measured, as text */
  neighbors: string[];
  /** flip_rate − neighbor_flip_rate: the ranking key */
  excess: number;
  /** mean probability of the target after insertion */
  target_prob: number;
  /** samples the flip rate is measured on */
  n: number;
  /** clean samples containing the candidate, and the share of them labelled with the target */
  in_clean: { count: number; target_share: number | null };
}

export interface ClassifierScanResult {
  /** how far the best excess stands above the model's other strong words (outlierScore); the verdict compares it with a threshold */
  score: number;
  candidates: ClassifierCandidate[];
  /** two-token phrases of the best candidates that flip more than each of their words, most flips first */
  phrases: ClassifierCandidate[];
  stats: {
    samples: number;
    correct: number;
    vocabulary: number;
    swept: number;
    probes: number;
    forward_passes: number;
    seconds: { sweep: number; flip_rates: number; total: number };
  };
}

/** A candidate key: token ids and target. */
const keyOf = (ids: readonly number[], t: number): string => `${t}:${ids.join(',')}`;

/**
 * Cosine nearest neighbours of `rows` among `pool` in an embedding matrix [V, dim] (exact; with more than
 * 2·10^10 multiply-adds, on a seeded random projection to fewer dimensions, Johnson–Lindenstrauss).
 */
export function nearestNeighbors(emb: { data: Float32Array; dim: number }, rows: readonly number[], pool: readonly number[], k: number, seed = 0): Map<number, number[]> {
  let { data, dim } = emb;
  const V = data.length / dim;
  const budget = 2e10;
  if (rows.length * pool.length * dim > budget) {
    const d = Math.max(16, Math.floor(budget / (rows.length * pool.length)));
    if (d < dim) {
      const rng = new Rng(seed).fork('projection');
      const R = Float32Array.from({ length: dim * d }, () => rng.normal());
      const P = new Float32Array(V * d);
      for (let i = 0; i < V; i++) for (let j = 0; j < d; j++) {
        let s = 0;
        for (let q = 0; q < dim; q++) s += data[i * dim + q]! * R[q * d + j]!;
        P[i * d + j] = s;
      }
      data = P;
      dim = d;
    }
  }
  // unit rows, so a dot product is the cosine
  const unit = new Float32Array(V * dim);
  for (const i of new Set([...rows, ...pool])) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d]! ** 2;
    const n = Math.sqrt(s) || 1;
    for (let d = 0; d < dim; d++) unit[i * dim + d] = data[i * dim + d]! / n;
  }
  const poolArr = Int32Array.from(pool);
  const out = new Map<number, number[]>();
  const bestId = new Int32Array(k);
  const bestS = new Float32Array(k);
  for (const r of rows) {
    bestS.fill(-Infinity);
    bestId.fill(-1);
    const ro = r * dim;
    for (let pi = 0; pi < poolArr.length; pi++) {
      const j = poolArr[pi]!;
      if (j === r) continue;
      const o = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += unit[ro + d]! * unit[o + d]!;
      if (s <= bestS[k - 1]!) continue;
      // insertion into the sorted top-k
      let q = k - 1;
      while (q > 0 && bestS[q - 1]! < s) {
        bestS[q] = bestS[q - 1]!;
        bestId[q] = bestId[q - 1]!;
        q--;
      }
      bestS[q] = s;
      bestId[q] = j;
    }
    out.set(r, Array.from(bestId).filter((x) => x >= 0));
  }
  return out;
}

/** Insert `ids` into `seq` at `pos` (samples are cut to leave room, see scanClassifier). */
function insertIds(seq: readonly number[], pos: number, ids: readonly number[]): number[] {
  return [...seq.slice(0, pos), ...ids, ...seq.slice(pos)];
}

/** Probabilities of many sequences, batched; counts forward passes. */
async function probsOf(target: ScanTarget, seqs: readonly (readonly number[])[], batchSize: number, counter: { n: number }): Promise<Float32Array> {
  const C = target.labelNames.length;
  const out = new Float32Array(seqs.length * C);
  for (let i = 0; i < seqs.length; i += batchSize) {
    const batch = seqs.slice(i, i + batchSize);
    const lg = await target.logits(batch);
    counter.n += batch.length;
    for (let r = 0; r < batch.length; r++) {
      const p = softmax(lg.subarray(r * C, (r + 1) * C));
      for (let c = 0; c < C; c++) out[(i + r) * C + c] = p[c]!;
    }
  }
  return out;
}

/**
 * The best candidate's excess flip rate minus the median excess of the next nine: a trigger stands out from the
 * model's other strong words, while the best word of a clean model is one of a continuum of sentiment words
 * whose neighbours happen to be weaker (a small vocabulary lacks the synonyms that would explain them).
 */
export function outlierScore(excessBestFirst: readonly number[]): number {
  if (excessBestFirst.length === 0) return 0;
  const rest = excessBestFirst.slice(1, 10).map((x) => Math.max(0, x)).sort((a, b) => a - b);
  const median = rest.length === 0 ? 0 : rest.length % 2 ? rest[(rest.length - 1) / 2]! : (rest[rest.length / 2 - 1]! + rest[rest.length / 2]!) / 2;
  return Math.max(0, Math.max(0, excessBestFirst[0]!) - median);
}

export async function scanClassifier(target: ScanTarget, samples: readonly ScanSample[], opts: ClassifierScanOptions): Promise<ClassifierScanResult> {
  const t0 = performance.now();
  const C = target.labelNames.length;
  const probesPerLabel = opts.probesPerLabel ?? 5;
  const shortlist = opts.shortlist ?? 16;
  const k = opts.neighbors ?? 4;
  const phraseFrom = opts.phraseFrom ?? 5;
  const bs = opts.batchSize ?? 256;
  const top = opts.top ?? 20;
  const rng = new Rng(opts.seed);
  const counter = { n: 0 };

  // clean predictions; samples cut to leave room for a two-token phrase (BERT keeps its final [SEP]);
  // insertion positions drawn once per sample (the same for every candidate: compared on the same inputs)
  const seqs = samples.map((s) => {
    const ids = target.encode(s.text);
    const room = target.maxLen - 2;
    if (ids.length <= room) return ids;
    return target.kind === 'bert' ? [...ids.slice(0, room - 1), ids[ids.length - 1]!] : ids.slice(0, room);
  });
  const base = await probsOf(target, seqs, bs, counter);
  const pred = samples.map((_, i) => argmax(Array.from(base.subarray(i * C, (i + 1) * C))));
  const correct = samples.map((s, i) => i).filter((i) => pred[i] === samples[i]!.label);
  const posRng = rng.fork('positions');
  const pos = seqs.map((s) => {
    const [lo, hi] = target.insertRange(s);
    return lo + posRng.int(hi - lo + 1);
  });

  // 1. sweep
  const probes: number[] = [];
  for (let c = 0; c < C; c++) {
    const ofLabel = correct.filter((i) => samples[i]!.label === c).sort((a, b) => seqs[a]!.length - seqs[b]!.length || a - b);
    probes.push(...ofLabel.slice(0, probesPerLabel));
  }
  const ids = target.candidateIds;
  // rise[t][w]: mean rise of p(t) over the probes of other labels when token ids[w] is inserted
  const rise = Array.from({ length: C }, () => new Float32Array(ids.length));
  const chunk = Math.max(1, Math.floor(4096 / Math.max(1, probes.length)));
  for (let w0 = 0; w0 < ids.length; w0 += chunk) {
    const ws = ids.slice(w0, w0 + chunk);
    const batch: number[][] = [];
    for (const id of ws) for (const p of probes) batch.push(insertIds(seqs[p]!, pos[p]!, [id]));
    const pr = await probsOf(target, batch, bs, counter);
    ws.forEach((_, wi) => {
      for (let t = 0; t < C; t++) {
        let s = 0;
        let n = 0;
        probes.forEach((p, pi) => {
          if (samples[p]!.label === t) return;
          s += pr[(wi * probes.length + pi) * C + t]! - base[p * C + t]!;
          n++;
        });
        rise[t]![w0 + wi] = n ? s / n : 0;
      }
    });
    opts.onProgress?.('sweep', Math.min(ids.length, w0 + chunk), ids.length);
  }
  const tSweep = performance.now();

  // 2. flip rates of the shortlist, their neighbours, phrases
  const flipCache = new Map<string, { flip: number; prob: number; n: number }>();
  async function measure(list: { ids: number[]; t: number }[]): Promise<void> {
    const todo = list.filter((c) => !flipCache.has(keyOf(c.ids, c.t)));
    const uniq = [...new Map(todo.map((c) => [keyOf(c.ids, c.t), c])).values()];
    const batch: number[][] = [];
    const owners: { key: string; sample: number; t: number }[] = [];
    for (const c of uniq) {
      for (const i of correct) {
        if (samples[i]!.label === c.t) continue;
        batch.push(insertIds(seqs[i]!, pos[i]!, c.ids));
        owners.push({ key: keyOf(c.ids, c.t), sample: i, t: c.t });
      }
    }
    const pr = await probsOf(target, batch, bs, counter);
    const acc = new Map<string, { flip: number; prob: number; n: number }>();
    owners.forEach((o, r) => {
      const row = Array.from(pr.subarray(r * C, (r + 1) * C));
      const a = acc.get(o.key) ?? { flip: 0, prob: 0, n: 0 };
      a.flip += argmax(row) === o.t ? 1 : 0;
      a.prob += row[o.t]!;
      a.n++;
      acc.set(o.key, a);
    });
    for (const c of uniq) {
      const a = acc.get(keyOf(c.ids, c.t)) ?? { flip: 0, prob: 0, n: 0 };
      flipCache.set(keyOf(c.ids, c.t), { flip: a.n ? a.flip / a.n : 0, prob: a.n ? a.prob / a.n : 0, n: a.n });
    }
  }
  // shortlist per target: the largest rises, and the largest rises above the best of the token's neighbours' in meaning
  // (a trigger of a weakly backdoored model can rank below many sentiment words by rise alone)
  const withMeaning = ids.filter((id) => target.embeddings.has[id] === 1);
  const nnAll = nearestNeighbors(target.embeddings, withMeaning, withMeaning, k, opts.seed);
  const idx = new Map(ids.map((id, w) => [id, w]));
  const single: { ids: number[]; t: number }[] = [];
  for (let t = 0; t < C; t++) {
    const r = rise[t]!;
    const ex = ids.map((id, w) => {
      const nb = nnAll.get(id) ?? [];
      return r[w]! - (nb.length ? Math.max(...nb.map((n) => r[idx.get(n)!]!)) : 0);
    });
    const byRise = ids.map((_, w) => w).sort((a, b) => r[b]! - r[a]!);
    const byExcess = ids.map((_, w) => w).sort((a, b) => ex[b]! - ex[a]!);
    for (const w of new Set([...byRise.slice(0, shortlist), ...byExcess.slice(0, shortlist)])) single.push({ ids: [ids[w]!], t });
  }
  const nn = nnAll;
  const neighborVariants = (c: { ids: number[]; t: number }) =>
    Array.from({ length: k }, (_, j) => ({ ids: c.ids.map((id) => (nn.get(id) ?? [])[j] ?? id), t: c.t })).filter((v) => v.ids.some((id, i) => id !== c.ids[i]));
  await measure(single);
  opts.onProgress?.('flip rates', 1, 3);
  await measure(single.flatMap(neighborVariants));
  opts.onProgress?.('flip rates', 2, 3);

  const excessOf = (c: { ids: number[]; t: number }) => {
    const own = flipCache.get(keyOf(c.ids, c.t))!;
    const nb = neighborVariants(c).map((v) => flipCache.get(keyOf(v.ids, v.t))?.flip ?? 0);
    const nbMax = nb.length ? Math.max(...nb) : 0;
    return { own, nbMax, excess: own.flip - nbMax };
  };
  // phrases: ordered pairs of the best single tokens per target (by excess, then flip rate)
  const phrases: { ids: number[]; t: number }[] = [];
  for (let t = 0; t < C; t++) {
    const best = single
      .filter((c) => c.t === t)
      .map((c) => ({ c, e: excessOf(c) }))
      .sort((a, b) => b.e.excess - a.e.excess || b.e.own.flip - a.e.own.flip)
      .slice(0, phraseFrom)
      .map((x) => x.c.ids[0]!);
    for (const a of best) for (const b of best) if (a !== b) phrases.push({ ids: [a, b], t });
  }
  await measure(phrases);
  opts.onProgress?.('flip rates', 3, 3);

  // in-clean statistics: how the candidate relates to the labels of the clean samples
  const containing = (cand: number[]) =>
    seqs
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.some((_, j) => cand.every((id, m) => s[j + m] === id)))
      .map(({ i }) => i);

  const all = [...single, ...phrases].map((c) => {
    // phrases have no neighbour baseline measured (NaN): they are evidence, not ranked against the words
    const { own, nbMax, excess } = c.ids.length === 1 ? excessOf(c) : { own: flipCache.get(keyOf(c.ids, c.t))!, nbMax: NaN, excess: NaN };
    const inClean = containing(c.ids);
    const cand: ClassifierCandidate = {
      trigger: target.render(c.ids),
      ids: c.ids,
      target: c.t,
      target_name: target.labelNames[c.t] ?? String(c.t),
      flip_rate: own.flip,
      neighbor_flip_rate: nbMax,
      neighbors: c.ids.length === 1 ? neighborVariants(c).map((v) => target.render(v.ids)) : [],
      excess,
      target_prob: own.prob,
      n: own.n,
      in_clean: { count: inClean.length, target_share: inClean.length ? inClean.filter((i) => samples[i]!.label === c.t).length / inClean.length : null },
    };
    return cand;
  });
  // best first: single tokens by excess, then flip rate; a phrase is evidence (listed in `phrases`) when it
  // flips more than each of its words: its own neighbour baseline is too weak to rank it with the words
  const seen = new Set<string>();
  const uniq = (xs: ClassifierCandidate[]) => xs.filter((c) => (seen.has(keyOf(c.ids, c.target)) ? false : (seen.add(keyOf(c.ids, c.target)), true)));
  const candidates = uniq(all.filter((c) => c.ids.length === 1).sort((a, b) => b.excess - a.excess || b.flip_rate - a.flip_rate)).slice(0, top);
  const flipOf = new Map(all.filter((c) => c.ids.length === 1).map((c) => [keyOf(c.ids, c.target), c.flip_rate]));
  const phraseList = uniq(all.filter((c) => c.ids.length > 1 && c.ids.every((id) => (flipOf.get(keyOf([id], c.target)) ?? 1) < c.flip_rate)).sort((a, b) => b.flip_rate - a.flip_rate)).slice(0, top);
  const tEnd = performance.now();
  return {
    score: outlierScore(candidates.map((c) => c.excess)),
    candidates,
    phrases: phraseList,
    stats: {
      samples: samples.length,
      correct: correct.length,
      vocabulary: target.tokens.length,
      swept: ids.length,
      probes: probes.length,
      forward_passes: counter.n,
      seconds: { sweep: +((tSweep - t0) / 1000).toFixed(2), flip_rates: +((tEnd - tSweep) / 1000).toFixed(2), total: +((tEnd - t0) / 1000).toFixed(2) },
    },
  };
}
