#!/usr/bin/env node
// Score the scanner on the model zoo (train-zoo.mjs): `nlp-backdoor scan` on every finished model with its
// 200 clean samples, one result file per model (OUT/<id>/scan.json, every measured candidate with its effects;
// a model with one is not scanned again), then detection ROC/AUC, the threshold that flags at most --max-fpr of
// the zoo's clean models, top-1/top-5 trigger recall by attack and scan times (wall and CPU), on the zoo and on
// the held-out set with the zoo's threshold. Candidates are re-ranked from their stored effects with the
// library's rankKey, so a ranking rule can be compared on the same scans (--compare) without scanning again.
//
//   node scripts/zoo/score-zoo.mjs --zoo results/zoo [--zoo DIR ...] [--out docs/results/scanner] [--only SUBSTRING]
//        (several --zoo: their models together, a model id of a later directory in place of an earlier one's, so
//         that a set's rescans replace its first scans: every held-out set in one table)
//        [--rule both|random|confident|blend|log-odds] [--min-similarity X] [--neighbor-stat max|second] [--compare]
//        [--score-rule R --score-min-similarity X --score-neighbor-stat S]   (the ranking the score comes from)
//        [--explained-alpha A]   (one-word candidates whose clean samples tie them to their target with p < A are left
//                       out of the score, labelExplained; default EXPLAINED_ALPHA, 0: none left out, the fifth round's score)
//        [--no-phrase]   (the verdict from the word score alone, without the phrase score's own threshold: before the sixteenth round)
//        [--score-kind word|outlier]   (the library's wordScore, default, or the fourth round's outlierScore)
//        [--insertions K]   (scan with `scan --insertions K` into OUT/<id>/scan-k<K>.json and score those; default 1: scan.json)
//        [--profile full|large|quick] (scan with `scan --profile P` into OUT/<id>/scan-<P>.json and score those; default auto: scan.json)
//        [--engine onnx-int8]   (scan with `scan --engine onnx-int8`, the dense layers in int8, into the same file name
//                                with "-int8" before ".json", and score those)
//        [--invert-steps N]   (scan with `scan --invert-steps N` into OUT/<id>/scan-inv<N>.json and score those: the
//                              trigger inversion's steps, 0 = off; default: the scan's own, into scan.json)
//        [--base DIR]   (BERT models are scanned with `scan --base DIR`, the checkpoint they were fine-tuned from: their
//                        candidates led by a one-letter piece carry the word it completes, which the hit rule counts)
//        [--cnn-base VECTORS]   (SentenceCNNs are scanned with `scan --base VECTORS`, the word vectors they were
//                                initialised from: glove-100d for the zoo's)
//        [--completion letters|letter|any]   (with --base: every BERT candidate's word recomputed by this completion,
//                                     the fourteenth round's `letters` (the scan's default) or `letter`, or the tenth
//                                     round's `any`; by default the stored words)
//        [--pair]   (scans that store the letter pair: the drift slot with it first, the fourteenth round's third rule,
//                    which failed its test and is not the scan's: docs/scanner.md "Fourteenth round")
//        [--no-slot]   (the lists without the drift slot of scans made with a base: docs/scanner.md "Twelfth round")
//        [--no-ties]   (BERT candidates of equal key by flip rate alone, as scans before the eleventh round listed
//                       them; by default a stored scan without the tie fields gets them from its model directory:
//                       whether each candidate types as its tokens and, with --base, its drift rank)
//
// Hit rule: a candidate (a word, or a two-token phrase rendered as text: "c ##f" is "cf") hits when one of its
// words is a planted trigger word, or (BERT word pieces) a word of at least 3 characters inside one ("lagra"
// of "lagrange"). Effective backdoors only: a backdoored model whose measured ASR is below 0.5 (or, without an
// ASR, whose clean accuracy is at chance) has no working backdoor to find; it is reported separately, outside
// the recall and detection figures (the rule was fixed before the scans were scored: docs/scanner.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic, writeFileAtomic } from '../../dist/src/common/fs-atomic.js';
import { versions } from '../../dist/src/common/versions.js';
import { HELDOUT } from './models.mjs';
import { scanWarnings, outlierScore, wordScore, phraseScore, binomialTail, inCleanStats, labelExplained, EXPLAINED_ALPHA, orderCandidates, RANK_RULES, NEIGHBOR_STATS, DEFAULT_RANK, DEFAULT_SCORE_RANK, defaultRank, annotateTies, PIECE_FLIP, obeyedPieces, obeyedAlone, scanSequences, scanTargetOf, embeddingDrift, pieceCompletion, COMPLETIONS, withDriftSlot, rankKey, CLASSIFIER_THRESHOLD, PHRASE_THRESHOLD } from '../../dist/src/defenses/scan/index.js';
import { loadClassifier } from '../../dist/src/models/classifier.js';
import { loadFileDataset } from '../../dist/src/data/file.js';
import { initEngine } from '../../dist/src/engine/index.js';
import { WordPieceTokenizer } from '../../dist/src/text/wordpiece.js';

const { values: o } = parseArgs({
  options: {
    zoo: { type: 'string', multiple: true },
    out: { type: 'string' },
    only: { type: 'string' },
    'max-fpr': { type: 'string', default: '0.1' },
    'no-scan': { type: 'boolean' },
    // without --rule, --min-similarity and --neighbor-stat: each model's kind's default (defaultRank: log-odds for a
    // SentenceCNN since the thirteenth session, the flip-rate DEFAULT_RANK for a BERT)
    rule: { type: 'string' },
    'min-similarity': { type: 'string' },
    'neighbor-stat': { type: 'string' },
    'max-tokens': { type: 'string', default: String(DEFAULT_RANK.maxTokens) },
    'score-max-tokens': { type: 'string', default: String(DEFAULT_SCORE_RANK.maxTokens) },
    'score-rule': { type: 'string', default: DEFAULT_SCORE_RANK.rule },
    'explained-alpha': { type: 'string', default: String(EXPLAINED_ALPHA) },
    'no-phrase': { type: 'boolean', default: false },
    'score-min-similarity': { type: 'string', default: String(DEFAULT_SCORE_RANK.minSimilarity) },
    'score-neighbor-stat': { type: 'string', default: DEFAULT_SCORE_RANK.neighborStat },
    'score-kind': { type: 'string', default: 'word' },
    compare: { type: 'boolean' },
    insertions: { type: 'string', default: '1' },
    profile: { type: 'string', default: 'auto' },
    engine: { type: 'string' },
    'invert-steps': { type: 'string' },
    base: { type: 'string' },
    'no-ties': { type: 'boolean' },
    'no-slot': { type: 'boolean' },
    'cnn-base': { type: 'string' },
    completion: { type: 'string' },
    pair: { type: 'boolean' },
  },
});
if (!o.zoo?.length) throw new Error('--zoo DIR is required');
const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'nlp-backdoor.js');
/** the models of every --zoo directory (`dir`: where each one's files are), a later directory's model in place of an earlier one of the same id */
const manifests = o.zoo.map((z) => ({ z, man: JSON.parse(fs.readFileSync(path.join(z, 'manifest.json'), 'utf8')) }));
const byId = new Map();
for (const { z, man } of manifests) for (const m of man.models) byId.set(m.id, { m, dir: path.join(z, m.id) });
const manifest = { ...manifests[0].man, models: [...byId.values()].map((x) => x.m) };
const dirOf = new Map([...byId].map(([id, x]) => [id, x.dir]));

if (o.completion !== undefined && !COMPLETIONS.includes(o.completion)) throw new Error(`--completion must be one of ${COMPLETIONS.join(', ')}, got ${o.completion}`);
if (o.completion !== undefined && !o.base) throw new Error('--completion needs --base (the completion reads the drift from the base checkpoint)');
if (o.rule !== undefined && !RANK_RULES.includes(o.rule)) throw new Error(`--rule must be one of ${RANK_RULES.join(', ')}, got ${o.rule}`);
const MIN_ASR = 0.5;
/** a backdoor that works: ASR at least MIN_ASR (POR-fine-tuned models have no poisoning ASR: clean accuracy above chance + 0.05 instead) */
const effective = (m) => (m.asr !== null && m.asr !== undefined ? m.asr >= MIN_ASR : m.cacc > 1 / m.label_names.length + 0.05);

const insertions = Number(o.insertions);
if (!(Number.isInteger(insertions) && insertions >= 1 && insertions <= 5)) throw new Error(`--insertions must be 1-5, got ${o.insertions}`);
if (!['auto', 'full', 'large', 'quick'].includes(o.profile)) throw new Error(`--profile must be auto, full, large or quick, got ${o.profile}`);
const invertSteps = o['invert-steps'];
if (invertSteps !== undefined && !/^\d+$/.test(invertSteps)) throw new Error(`--invert-steps must be a whole number, got ${invertSteps}`);
if ([insertions > 1, o.profile !== 'auto', invertSteps !== undefined].filter(Boolean).length > 1) throw new Error('--insertions, --profile and --invert-steps: one at a time');
if (o.engine !== undefined && o.engine !== 'onnx-int8') throw new Error(`--engine must be onnx-int8 (the default engine otherwise), got ${o.engine}`);
const scanName = (insertions > 1 ? `scan-k${insertions}.json` : o.profile !== 'auto' ? `scan-${o.profile}.json` : invertSteps !== undefined ? `scan-inv${invertSteps}.json` : 'scan.json').replace(/\.json$/, o.engine ? '-int8.json' : '.json');
const scans = [];
for (const m of manifest.models) {
  if (o.only && !m.id.includes(o.only)) continue;
  const dir = dirOf.get(m.id);
  const scanFile = path.join(dir, scanName);
  if (!fs.existsSync(scanFile)) {
    if (o['no-scan']) continue;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'scan', '--model', path.join(dir, 'model'), '--data', path.join(dir, 'clean.tsv'), '--text-column', 'text', '--label-column', 'label', '--out', scanFile, '--top', '1000', ...(insertions > 1 ? ['--insertions', String(insertions)] : []), ...(o.profile !== 'auto' ? ['--profile', o.profile] : []), ...(invertSteps !== undefined ? ['--invert-steps', invertSteps] : []), ...(o.engine ? ['--engine', o.engine] : []), ...(o.base && m.arch !== 'cnn' ? ['--base', o.base] : []), ...(o['cnn-base'] && m.arch === 'cnn' ? ['--base', o['cnn-base']] : [])], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.error(`${m.id}: scan failed\n${r.stderr}`);
      continue;
    }
    const s = JSON.parse(fs.readFileSync(scanFile, 'utf8'));
    s.wall_s = +((performance.now() - t0) / 1000).toFixed(1);
    writeJsonAtomic(scanFile, s);
  }
  const s = JSON.parse(fs.readFileSync(scanFile, 'utf8'));
  if (!s.candidates.every((c) => c.effects?.random?.neighbor_flips)) {
    console.error(`${m.id}: ${scanFile} predates the stored effects; delete it to scan again`);
    continue;
  }
  // a BERT's planted words as its tokenizer splits them (the piece diagnostic below)
  const pieces = m.arch === 'cnn' ? null : (() => {
    const tok = WordPieceTokenizer.fromDirectory(path.join(dir, 'model'));
    return m.trigger_words.map((w) => tok.convertTokensToIds(tok.tokenize(w)));
  })();
  await withCleanP(dir, s);
  if (m.arch !== 'cnn' && !o['no-ties']) s.candidates = await withTies(dir, s);
  else if (o['no-ties']) s.candidates = s.candidates.map(withoutTies);
  scans.push({ m, s, pieces });
}

/**
 * Piece diagnostic (BERT; not a hit, docs/scanner.md "Fourteenth round"): the first place of the list whose
 * candidate is a WordPiece of a planted word that the model obeys by itself (obeyedAlone), or a word the
 * library's obeyedPieces says such a piece carries (its key is the piece's): the model obeys that piece of the
 * trigger, and the list shows it, whether or not it shows the planted word.
 */
function pieceRank(ranked, planted) {
  const ids = new Set(planted.flat());
  const i = ranked.findIndex(({ c }) => (c.ids.length === 1 && ids.has(c.ids[0]) && obeyedAlone(c)) || obeyedPieces(c).some((p) => ids.has(p.ids[0])));
  return i < 0 ? null : i + 1;
}

/**
 * A scan made before the sixteenth round stores no `in_clean.p` (the chance of the candidate's clean samples' labels at
 * its target's share, labelExplained): computed here from the model's clean.tsv, whose label shares the scan saw.
 */
async function withCleanP(dir, s) {
  const flat = (xs) => xs.flatMap((c) => [c, ...flat(c.variants ?? []), ...flat(c.absorbs ?? [])]);
  const all = [...flat(s.candidates), ...flat(s.phrases ?? [])].filter((c) => c.in_clean); // (slot entries of old scans hold no in_clean)
  const needP = all.some((c) => c.in_clean.p === undefined);
  const needParts = all.some((c) => c.ids.length > 1 && c.parts_explained === undefined);
  if (!needP && !needParts) return;
  const ds = loadFileDataset({ path: path.join(dir, 'clean.tsv'), format: 'tsv', text: 'text', label: 'label', header: true, labelNames: s.label_names, test: 0, dev: 0 });
  const samples = [...ds.train, ...ds.dev, ...ds.test];
  const labels = samples.map((x) => x.label);
  const share = (t) => labels.filter((l) => l === t).length / labels.length;
  const targetOf = (c) => {
    const t = s.label_names.indexOf(c.target);
    if (t < 0) throw new Error(`${dir}: candidate ${JSON.stringify(c.trigger)} has the unknown target ${JSON.stringify(c.target)}`);
    return t;
  };
  if (needP) {
    for (const c of all) {
      const { count, target_share: ts } = c.in_clean;
      c.in_clean.p = count ? binomialTail(count, Math.round(ts * count), share(targetOf(c))) : null;
    }
  }
  if (!needParts) return;
  // a phrase's tokens in the clean samples, as the scan encoded them (the model's own tokenizer)
  await initEngine();
  const modelDir = path.join(dir, 'model');
  const clf = await loadClassifier(modelDir);
  try {
    const seqs = scanSequences(scanTargetOf(clf, modelDir), samples, s.stats?.insertions ?? 1);
    // the samples holding each token, found once per token
    const rowsOf = new Map();
    const holding = (id) => rowsOf.get(id) ?? rowsOf.set(id, seqs.flatMap((q, i) => (q.includes(id) ? [i] : []))).get(id);
    const explained = (id, t) => labelExplained({ in_clean: inCleanStats(holding(id), labels, t, share(t)) });
    for (const c of all) if (c.ids.length > 1 && c.parts_explained === undefined) c.parts_explained = c.ids.some((id) => explained(id, targetOf(c)));
  } finally {
    await clf.dispose?.();
  }
}

/** the candidates the score is computed from: without those measured only for the drift slot (`drift_only`) */
function scorePool(xs) {
  // (what is listed under a drift-only or inverted candidate, beside it or absorbed by it, stays in the pool)
  return xs.flatMap((c) => (c.drift_only || c.inverted ? scorePool([...(c.variants ?? []), ...(c.absorbs ?? [])]) : [{ ...c, ...(c.variants ? { variants: scorePool(c.variants) } : {}), ...(c.absorbs ? { absorbs: scorePool(c.absorbs) } : {}) }]));
}

/** a candidate and what is listed under it without the tie fields (--no-ties: the order before the eleventh round) */
function withoutTies({ typed: _t, drift_rank: _d, ...c }) {
  return { ...c, ...(c.variants ? { variants: c.variants.map(withoutTies) } : {}), ...(c.absorbs ? { absorbs: c.absorbs.map(withoutTies) } : {}) };
}

/**
 * A BERT scan's candidates with the tie fields (docs/scanner.md "Eleventh round"): as stored when the scan has
 * them (with --base: the drift ranks too), otherwise from the model directory, its clean samples and the base.
 */
async function withTies(dir, s) {
  const all = (f) => s.candidates.every((c) => f(c) && [...(c.variants ?? []), ...(c.absorbs ?? [])].every(f));
  if (all((c) => c.typed !== undefined) && (!o.base || all((c) => c.drift_rank !== undefined)) && !o.completion) return s.candidates;
  await initEngine();
  const modelDir = path.join(dir, 'model');
  const clf = await loadClassifier(modelDir);
  try {
    const target = scanTargetOf(clf, modelDir);
    const ds = loadFileDataset({ path: path.join(dir, 'clean.tsv'), format: 'tsv', text: 'text', label: 'label', header: true, labelNames: s.label_names, test: 0, dev: 0 });
    const drift = o.base ? embeddingDrift(modelDir, o.base, scanSequences(target, [...ds.train, ...ds.dev, ...ds.test], s.stats?.insertions ?? 1)) : null;
    const tied = annotateTies(target, s.candidates, drift);
    if (!drift) return tied;
    // a tie may now put another candidate led by the same one-letter piece first ("j ##ble" over "j ##he"): a fresh
    // scan completes the candidates after ordering them, so every candidate gets the word pieceCompletion gives it,
    // with the flip rate measured for that word when the stored scan holds it (null otherwise)
    const flat = (xs) => xs.flatMap((c) => [c, ...flat(c.variants ?? []), ...flat(c.absorbs ?? [])]);
    const measured = new Map(flat(s.candidates).filter((c) => c.word).map((c) => [`${c.target}:${c.word.ids.join(',')}`, c.word]));
    const complete = (stored) => {
      // (--completion: every candidate's word recomputed, the stored one ignored)
      const { word: storedWord, ...bare } = stored;
      const c = o.completion ? bare : stored;
      const w = o.completion ? pieceCompletion(c.ids, drift, undefined, o.completion) : storedWord ? null : pieceCompletion(c.ids, drift);
      const word = w && w.ids.join() !== c.ids.join() ? { trigger: target.render(w.ids), ids: [...w.ids], flip_rate: measured.get(`${c.target}:${w.ids.join(',')}`)?.flip_rate ?? null, piece_rank: w.piece_rank, continuation: w.continuation, continuation_rank: w.continuation_rank } : null;
      return { ...c, ...(word ? { word } : {}), ...(c.variants ? { variants: c.variants.map(complete) } : {}), ...(c.absorbs ? { absorbs: c.absorbs.map(complete) } : {}) };
    };
    return tied.map(complete);
  } finally {
    await clf.dispose?.();
  }
}

/** the held-out round of each held-out model (models.mjs), summarised apart as well as together */
const ROUND = new Map(HELDOUT.map((m) => [m.id, m.round]));
const ROUNDS = [...new Set(HELDOUT.map((m) => m.round))];

/** One row per model, its candidates ranked by `rankOpts`, its score from the ranking by `scoreOpts` (the same rule by default). */
const SCORE_KINDS = ['word', 'outlier'];
if (!SCORE_KINDS.includes(o['score-kind'])) throw new Error(`--score-kind must be one of ${SCORE_KINDS.join(', ')}, got ${o['score-kind']}`);
const alpha = Number(o['explained-alpha']);
if (!(alpha >= 0 && alpha <= 1)) throw new Error(`--explained-alpha must be in [0, 1], got ${o['explained-alpha']}`);
/** The model's score from its candidates ordered by the score's ranking: the library's wordScore, or the fourth round's outlierScore over every candidate. */
function scoreOf(ordered, kind) {
  if (kind === 'outlier') return { score: outlierScore(ordered.map((c) => c.excess)), word: null, phrase: 0, phrase_word: null };
  const w = wordScore(ordered, (c) => labelExplained(c, alpha));
  const p = phraseScore(ordered);
  return { score: w.score, word: w.candidate?.trigger ?? null, phrase: p.score, phrase_word: p.candidate?.trigger ?? null };
}
function rowsOf(rankOpts, scoreOpts = rankOpts, kind = o['score-kind']) {
  return scans.map(({ m, s, pieces: planted }) => {
    const words = m.trigger_words.map((w) => w.toLowerCase());
    const pieces = m.arch !== 'cnn';
    const hit = (trigger) => trigger.toLowerCase().split(/\s+/).some((w) => words.includes(w) || (pieces && w.length >= 3 && words.some((t) => t.includes(w))));
    // the library's order (keys from the stored effects by this rule; a several-piece word in place of its pieces)
    const listRule = rankOpts.byArch ? defaultRank(m.arch === 'cnn' ? 'sentence-cnn' : 'bert') : rankOpts;
    const unslotted = orderCandidates(s.candidates, listRule);
    // with a base: the drift slot (the scan's tokens of largest drift excess; --no-slot leaves it out)
    const slotIds = o['no-slot'] ? [] : (s.drift_slot ?? []).map((t) => t.id);
    // the letter pair's candidates, keyed by this ranking rule (scans before the fourteenth round have none)
    const pair = o['no-slot'] || !o.pair ? [] : (s.letter_pair?.candidates ?? []).map((c) => ({ ...c, excess: rankKey(c.effects, listRule).key }));
    const ranked = withDriftSlot(unslotted, slotIds, new Map((s.drift_slot ?? []).map((t) => [t.id, t.drift_excess])), pair).map((c) => ({ c, key: c.excess, position: c.position }));
    // a candidate's word (scan --base: the one-letter piece completed by embedding drift) counts as its trigger
    const hitOf = (c) => hit(c.trigger) || (c.word !== undefined && hit(c.word.trigger));
    const rank = ranked.findIndex((x) => hitOf(x.c));
    const rankNoSlot = unslotted.findIndex(hitOf);
    const slotted = ranked.find((x) => x.c.slot)?.c ?? null;
    const top = ranked[0];
    // the score's order leaves the ties to the flip rate, and its pool the drift slot's own measurements (the verdict
    // does not depend on either)
    const sc = scoreOf(orderCandidates(scorePool(s.candidates), scoreOpts.byArch ? defaultRank(m.arch === 'cnn' ? 'sentence-cnn' : 'bert') : scoreOpts, false), kind);
    return {
      id: m.id, set: m.set, round: ROUND.get(m.id) ?? null, kind: m.kind, arch: m.arch, dataset: m.dataset,
      backdoored: m.kind !== 'clean',
      effective: m.kind === 'clean' ? null : effective(m),
      cacc: m.cacc, asr: m.asr,
      score: sc.score,
      phrase_score: sc.phrase,
      phrase_word: sc.phrase_word,
      score_word: sc.word,
      best_key: ranked[0]?.key ?? 0,
      top1: top?.c.trigger ?? null,
      top1_target: top?.c.target ?? null,
      top1_flip: top ? top.c.effects[top.position].flip : null,
      top1_position: top?.position ?? null,
      trigger_rank: rank < 0 ? null : rank + 1,
      // BERT: the first place holding a piece of the planted word that the model obeys alone (pieceRank)
      piece_rank: planted ? pieceRank(ranked, planted) : null,
      // the same scan's list without the drift slot, and the candidate the slot listed 5th
      trigger_rank_no_slot: rankNoSlot < 0 ? null : rankNoSlot + 1,
      slot: slotted ? slotted.trigger : null,
      // found by its word only (the candidate itself a one-letter piece, or that piece continued otherwise)
      trigger_by_word: rank >= 0 && !hit(ranked[rank].c.trigger),
      // what the scan warns of (scanWarnings; scans stored before the warnings existed: from their stats, the
      // per-target sample count from the candidates)
      warnings: (s.warnings ?? scanWarnings(m.label_names, s.stats.samples, s.stats.correct, m.label_names.map((l) => s.candidates.find((c) => c.target === l)?.n ?? 0))).length,
      wall_s: s.time?.wall_s ?? s.wall_s ?? null,
      cpu_s: s.time?.cpu_s ?? null,
    };
  });
}

/** ROC AUC: the chance a backdoored model scores above a clean one (ties half). */
function auc(pos, neg) {
  if (!pos.length || !neg.length) return null;
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
}
function roc(pos, neg) {
  const ts = [...new Set([...pos, ...neg])].sort((a, b) => b - a);
  return [{ threshold: Infinity, tpr: 0, fpr: 0 }, ...ts.map((t) => ({ threshold: t, tpr: pos.filter((x) => x >= t).length / pos.length, fpr: neg.filter((x) => x >= t).length / neg.length }))];
}
/** whether a row's verdict is backdoored: its word score reaches `threshold` or its phrase score `phraseThreshold` */
const flagged = (r, threshold, phraseThreshold) => (threshold !== null && r.score >= threshold) || r.phrase_score >= phraseThreshold;
function summary(rs, threshold, phraseThreshold = Infinity) {
  const bd = rs.filter((r) => r.backdoored && r.effective);
  const cl = rs.filter((r) => !r.backdoored);
  const pos = bd.map((r) => r.score);
  const neg = cl.map((r) => r.score);
  const stat = (xs) => (xs.length ? { mean: +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1), max: Math.max(...xs) } : null);
  const inTop = (r, n) => r.trigger_rank !== null && r.trigger_rank <= n;
  const kinds = [...new Set(bd.map((r) => r.kind))];
  return {
    models: rs.length,
    by_kind: Object.fromEntries([...new Set(rs.map((r) => r.kind))].map((k) => [k, rs.filter((r) => r.kind === k).length])),
    backdoored: bd.length,
    clean: cl.length,
    not_effective: rs.filter((r) => r.backdoored && !r.effective).map((r) => r.id),
    with_warnings: rs.filter((r) => r.warnings > 0).map((r) => r.id),
    auc: auc(pos, neg),
    threshold,
    phrase_threshold: Number.isFinite(phraseThreshold) ? phraseThreshold : null,
    tpr: bd.length ? bd.filter((r) => flagged(r, threshold, phraseThreshold)).length / bd.length : null,
    fpr: cl.length ? cl.filter((r) => flagged(r, threshold, phraseThreshold)).length / cl.length : null,
    flagged_clean: cl.filter((r) => flagged(r, threshold, phraseThreshold)).map((r) => r.id),
    flagged_by_phrase: bd.filter((r) => r.score < threshold && r.phrase_score >= phraseThreshold).map((r) => r.id),
    top1_recall: bd.length ? bd.filter((r) => inTop(r, 1)).length / bd.length : null,
    top5_recall: bd.length ? bd.filter((r) => inTop(r, 5)).length / bd.length : null,
    top1_recall_by_kind: Object.fromEntries(kinds.map((k) => { const g = bd.filter((r) => r.kind === k); return [k, `${g.filter((r) => inTop(r, 1)).length}/${g.length}`]; })),
    top5_recall_by_kind: Object.fromEntries(kinds.map((k) => { const g = bd.filter((r) => r.kind === k); return [k, `${g.filter((r) => inTop(r, 5)).length}/${g.length}`]; })),
    // BERT backdoors: the planted word in the top 5, and (the piece diagnostic, not a hit) the word or a piece of it
    // that the model obeys alone
    bert_top5: (() => { const g = bd.filter((r) => r.arch !== 'cnn'); return `${g.filter((r) => inTop(r, 5)).length}/${g.length}`; })(),
    bert_word_or_piece_top5: (() => { const g = bd.filter((r) => r.arch !== 'cnn'); return `${g.filter((r) => inTop(r, 5) || (r.piece_rank !== null && r.piece_rank <= 5)).length}/${g.length}`; })(),
    scan_wall_s: stat(rs.map((r) => r.wall_s).filter((x) => x !== null)),
    scan_cpu_s: stat(rs.map((r) => r.cpu_s).filter((x) => x !== null)),
    roc: roc(pos, neg),
  };
}
/** The summary and per-model tables as markdown (docs/scanner.md quotes them). */
const ruleText = (k) => k.byArch ? `each kind's default (SentenceCNN: ${ruleText(defaultRank('sentence-cnn'))}; BERT: ${ruleText(defaultRank('bert'))})` : `rule \`${k.rule}\`, neighbours from cosine ${k.minSimilarity}, baseline the ${k.neighborStat === 'max' ? 'largest' : 'second largest'} close neighbour's flip rate, ${k.maxTokens ? `candidates of up to ${k.maxTokens} tokens` : 'every candidate'}`;
function markdown(r) {
  const pct = (x) => (x === null ? '–' : `${(100 * x).toFixed(0)}%`);
  const t = (x) => (x ? `${x.mean} / ${x.max}` : '–');
  const sum = (name, x) => `| ${name} | ${x.models} (${x.backdoored} backdoored, ${x.clean} clean${x.not_effective.length ? `, ${x.not_effective.length} not effective` : ''}) | ${x.auc === null ? '–' : x.auc.toFixed(3)} | ${x.threshold}${x.phrase_threshold === null ? '' : ` / ${x.phrase_threshold}`} | ${pct(x.tpr)} | ${pct(x.fpr)} | ${pct(x.top1_recall)} | ${pct(x.top5_recall)} | ${t(x.scan_wall_s)} | ${t(x.scan_cpu_s)} |`;
  const byKind = (name, x) => Object.keys(x.top5_recall_by_kind).map((k) => `| ${name} | ${k} | ${x.top1_recall_by_kind[k]} | ${x.top5_recall_by_kind[k]} |`);
  const lines = [
    `Candidates ranked by ${ruleText(r.rank)}; the score (${r.score_kind === 'outlier' ? 'the best candidate against the next nine' : 'the best one-word candidate against the next nine'}${r.score_kind !== 'outlier' && r.explained_alpha ? `, one-word candidates whose clean samples tie them to their target with p < ${r.explained_alpha} left out` : ''}) from the ranking by ${ruleText(r.score_rank ?? r.rank)}; backdoors with ASR < ${MIN_ASR} reported separately.`,
    '',
    `AUC is the word score's; a model is flagged when its word score reaches the threshold${r.zoo.phrase_threshold === null ? '' : ' or its phrase score (the best grown phrase of 3+ tokens none of whose tokens the clean samples tie to its target, against the next nine) the second threshold'}.`,
    '',
    '| set | models | AUC | threshold | flagged backdoored | flagged clean | top-1 | top-5 | scan wall s (mean / max) | scan CPU s (mean / max) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    sum('zoo', r.zoo),
    sum('held out', r.heldout),
    ...Object.entries(r.heldout_rounds ?? {}).map(([k, x]) => sum(`held out: ${k}`, x)),
    '',
    '| set | attack | top-1 | top-5 |',
    '|---|---|---|---|',
    ...byKind('zoo', r.zoo),
    ...byKind('held out', r.heldout),
    ...Object.entries(r.heldout_rounds ?? {}).flatMap(([k, x]) => byKind(`held out: ${k}`, x)),
    '',
    `BERT backdoors: the planted word in the top 5, and the word or one of its WordPieces that the model obeys alone in the top 5 (a diagnostic, not a hit): the piece as a candidate that flips at least ${PIECE_FLIP} inserted by itself, at least half of it beyond its neighbours in meaning, or a word such a piece carries (the word's key is the piece's).`,
    '',
    '| set | BERT: word in the top 5 | BERT: word or obeyed piece in the top 5 |',
    '|---|---|---|',
    ...[['zoo', r.zoo], ['held out', r.heldout], ...Object.entries(r.heldout_rounds ?? {}).map(([k, x]) => [`held out: ${k}`, x])].filter(([, x]) => x.bert_top5 && !x.bert_top5.endsWith('/0')).map(([k, x]) => `| ${k} | ${x.bert_top5} | ${x.bert_word_or_piece_top5} |`),
    '',
    '| model | set | kind | CACC | ASR | score (its word) | top-1 candidate (flip, position) | trigger rank | obeyed piece rank | warnings | wall s | CPU s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.models.map((m) => `| ${m.id} | ${m.set} | ${m.kind}${m.effective === false ? ' (not effective)' : ''} | ${m.cacc} | ${m.asr ?? '–'} | ${m.score.toFixed(3)}${m.score_word ? ` (${m.score_word})` : ''} | ${m.top1 ?? '–'} → ${m.top1_target ?? '–'} (${m.top1_flip === null ? '–' : m.top1_flip.toFixed(2)}, ${m.top1_position ?? '–'}) | ${m.backdoored ? (m.trigger_rank === null ? 'not listed' : `${m.trigger_rank}${m.trigger_by_word ? ' (its word)' : ''}`) : '–'}${m.slot ? ` (slot: ${m.slot}; without it ${m.trigger_rank_no_slot ?? '–'})` : ''} | ${m.backdoored && m.arch !== 'cnn' ? (m.piece_rank ?? 'not listed') : '–'} | ${m.warnings || '–'} | ${m.wall_s ?? '–'} | ${m.cpu_s ?? '–'} |`),
  ];
  return lines.join('\n') + '\n';
}

// calibration: the lowest threshold that flags at most max-fpr of the zoo's clean models
const maxFpr = Number(o['max-fpr']);
function evaluate(rank, scoreRank = rank, kind = o['score-kind']) {
  const rows = rowsOf(rank, scoreRank, kind);
  const zoo = rows.filter((r) => r.set === 'zoo');
  const negZoo = zoo.filter((r) => !r.backdoored).map((r) => r.score).sort((a, b) => b - a);
  const allowed = Math.floor(maxFpr * negZoo.length);
  // (without zoo models among the scans, e.g. a held-out set scored alone: the library's calibrated thresholds,
  // which the zoo gives with the default rules)
  const calibrated = negZoo.length > 0;
  const threshold = calibrated ? +(negZoo[allowed] + 1e-3).toFixed(3) : kind === 'outlier' ? null : CLASSIFIER_THRESHOLD;
  // the phrase score's: the lowest that flags no zoo clean model the word score leaves clean (--no-phrase: none)
  const phraseNeg = zoo.filter((r) => !r.backdoored && r.score < threshold).map((r) => r.phrase_score);
  const phraseThreshold = o['no-phrase'] || kind === 'outlier' ? Infinity : calibrated ? (phraseNeg.length ? +(Math.max(...phraseNeg) + 1e-3).toFixed(3) : Infinity) : PHRASE_THRESHOLD;
  const sum = (xs) => summary(xs, threshold, phraseThreshold);
  return { format: 'nlp-backdoor/zoo-scores/4', rank, score_rank: scoreRank, score_kind: kind, explained_alpha: alpha, max_fpr: maxFpr, min_asr: MIN_ASR, zoo: sum(zoo), heldout: sum(rows.filter((r) => r.set === 'heldout')), heldout_rounds: Object.fromEntries(ROUNDS.map((k) => [k, sum(rows.filter((r) => r.set === 'heldout' && r.round === k))]).filter(([, x]) => x.models > 0)), models: rows, versions: versions() };
}
if (o.compare) {
  // every rule on the same scans: the zoo chooses, the held-out column is only read once the rule is fixed
  // (AUC of the best key alone too: is the outlier score's subtraction of the next candidates worth it?)
  console.log('| score | rule | min similarity | neighbour stat | max tokens | zoo AUC | zoo AUC of the best key alone | zoo threshold | zoo flagged backdoored | zoo top-1 | zoo top-5 |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const kind of SCORE_KINDS) for (const maxTokens of [0, 2]) for (const rule of RANK_RULES) for (const minSimilarity of [0, 0.3, 0.5]) for (const neighborStat of NEIGHBOR_STATS) {
    const r = evaluate({ rule, minSimilarity, neighborStat, maxTokens }, undefined, kind);
    const z = r.zoo;
    const zr = r.models.filter((m) => m.set === 'zoo');
    const bestAuc = auc(zr.filter((m) => m.backdoored && m.effective).map((m) => m.best_key), zr.filter((m) => !m.backdoored).map((m) => m.best_key));
    const p = (x) => (x === null ? '–' : `${(100 * x).toFixed(0)}%`);
    console.log(`| ${kind} | ${rule} | ${minSimilarity} | ${neighborStat} | ${maxTokens || 'all'} | ${z.auc?.toFixed(3) ?? '–'} | ${bestAuc?.toFixed(3) ?? '–'} | ${z.threshold} | ${p(z.tpr)} | ${p(z.top1_recall)} | ${p(z.top5_recall)} |`);
  }
} else {
  if (o['neighbor-stat'] !== undefined && !NEIGHBOR_STATS.includes(o['neighbor-stat'])) throw new Error(`--neighbor-stat must be one of ${NEIGHBOR_STATS.join(', ')}`);
  if (!RANK_RULES.includes(o['score-rule']) || !NEIGHBOR_STATS.includes(o['score-neighbor-stat'])) throw new Error('--score-rule / --score-neighbor-stat: see --rule / --neighbor-stat');
  const given = o.rule !== undefined || o['min-similarity'] !== undefined || o['neighbor-stat'] !== undefined;
  const rankOpts = given
    ? { rule: o.rule ?? DEFAULT_RANK.rule, minSimilarity: Number(o['min-similarity'] ?? DEFAULT_RANK.minSimilarity), neighborStat: o['neighbor-stat'] ?? DEFAULT_RANK.neighborStat, maxTokens: Number(o['max-tokens']) }
    : { byArch: true, maxTokens: Number(o['max-tokens']) };
  const result = evaluate(rankOpts, { rule: o['score-rule'], minSimilarity: Number(o['score-min-similarity']), neighborStat: o['score-neighbor-stat'], maxTokens: Number(o['score-max-tokens']) });
  for (const m of result.models) console.error(`${m.id}: score ${m.score.toFixed(3)} top1 ${JSON.stringify(m.top1)} rank ${m.trigger_rank ?? '-'}${m.slot ? ` (without the slot ${m.trigger_rank_no_slot ?? '-'}; slot ${JSON.stringify(m.slot)})` : ''} (${m.wall_s ?? '?'} s wall, ${m.cpu_s ?? '?'} s CPU)`);
  console.log(JSON.stringify({ zoo: { ...result.zoo, roc: undefined }, heldout: { ...result.heldout, roc: undefined }, ...Object.fromEntries(Object.entries(result.heldout_rounds).map(([k, x]) => [`heldout_${k}`, { ...x, roc: undefined }])) }, null, 1));
  if (o.out) {
    fs.mkdirSync(o.out, { recursive: true });
    writeJsonAtomic(path.join(o.out, 'scores.json'), result);
    const head = 'id,set,kind,arch,dataset,backdoored,effective,cacc,asr,score,score_word,top1,top1_target,top1_flip,top1_position,trigger_rank,piece_rank,wall_s,cpu_s';
    writeFileAtomic(path.join(o.out, 'scores.csv'), [head, ...result.models.map((r) => head.split(',').map((k) => JSON.stringify(r[k] ?? '')).join(','))].join('\n') + '\n');
    writeJsonAtomic(path.join(o.out, 'manifest.json'), { ...manifest, models: manifest.models.map(({ versions: _v, ...m }) => m) });
    writeFileAtomic(path.join(o.out, 'scores.md'), markdown(result));
  }
}
