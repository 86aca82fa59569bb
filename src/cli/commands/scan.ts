// `nlp-backdoor scan`: is this model backdoored? A classifier (SentenceCNN or BERT with a head) with up to 200
// clean labelled samples, or a pre-trained BERT encoder (optionally with unlabelled texts): a verdict, the
// candidate triggers best first and the evidence (src/defenses/scan, docs/scanner.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from '../command.js';
import { str, num, list, requireStr, UsageError } from '../args.js';
import { initEngine } from '../../engine/index.js';
import { classifierKindOf } from '../../models/classifier.js';
import { readDirectoryConfig } from '../../models/bert/checkpoint.js';
import { classifierLabels, hasClassifierHead } from '../classifier-dir.js';
import { colOf, fileReadFlags, fileReadOptions } from '../dataset-flags.js';
import { engineFlags, engineOf, loadEngineClassifier } from '../engine.js';
import { checkOutFile } from '../out-path.js';
import { loadFileDataset } from '../../data/index.js';
import type { Example } from '../../data/types.js';
import { capStratified } from '../../train/sample.js';
import { InputError } from '../../common/errors.js';
import { writeJsonAtomic, readJson } from '../../common/fs-atomic.js';
import { loadVectors, DEFAULT_VECTORS, TOP20K_VECTORS, type WordVectors } from '../../text/vectors.js';
import { versions, packageRoot } from '../../common/versions.js';
import { checkBase, labelExplained, obeyedPieces, scanClassifier, scanEncoder, scanTargetOf, bertCostPerToken, largeScanNote, resolveProfile, verdictOf, classifierVerdict, nearThreshold, CLASSIFIER_NEAR_MARGIN, PHRASE_NEAR_MARGIN, CLASSIFIER_THRESHOLD, PHRASE_THRESHOLD, ENCODER_THRESHOLD, ENCODER_LARGE_SETTINGS, ENCODER_PROFILES, LARGE_MODEL_COST, SCAN_PROFILES, type ClassifierCandidate, type ScanProfile, type SentenceCnnBase } from '../../defenses/scan/index.js';

const MIN_SAMPLES = 10;
/** contexts of an encoder scan without --data: SST-2 dev sentences shipped in assets/data */
const DEFAULT_CONTEXTS = 'assets/data/sst2_sentence/dev.tsv';
/** words an encoder scan sweeps as units (those of 2+ pieces): the shipped GloVe list, GloVe's 20,000 most
 *  frequent words and the vocabularies of ten common datasets (assets/vectors/PROVENANCE.txt) */
const DEFAULT_WORDS = 'assets/vectors/glove.6B.100d.datasets.words.txt';

const f3 = (x: number) => x.toFixed(3);

/** A word list, one a line; blank lines are skipped. */
function readWordList(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the word list: ${(e as Error).message}`, file);
  }
  const words = text.split(/\r?\n/).map((w) => w.trim()).filter(Boolean);
  if (!words.length) throw new InputError('the word list is empty (one word a line expected)', file);
  return words;
}

export const scan: Command = {
  name: 'scan',
  summary: 'tell whether a classifier or a pre-trained encoder is backdoored: verdict, candidate triggers, evidence',
  usage: '--model DIR [--as auto|classifier|encoder] [--data FILE --text-column C --label-column L] --out FILE [--seed N] [--threshold X] [--phrase-threshold X] [--insertions K] [--profile auto|full|large|quick] [--sweep N] [--invert-steps N] [--base DIR|VECTORS] [--check TEXT ...]',
  flags: {
    model: { type: 'string', description: 'classifier directory (SentenceCNN, BERT with a head) or a BERT encoder directory (no head)' },
    as: { type: 'string', description: 'what to scan: auto (a BERT with a head as a classifier, without one as an encoder), classifier, or encoder (a BERT classifier\'s encoder, its pooled output, without the head: where a POR or NeuBA backdoor of the pre-trained model it was fine-tuned from lives)', default: 'auto' },
    check: { type: 'list', description: 'encoders: a suspected trigger to measure as given (repeat for several): its shift, collapse, separation and gap, and which candidates land where it does; the verdict does not depend on it' },
    data: { type: 'string', description: 'clean samples: labelled (csv, tsv, jsonl) for a classifier, at least 10, at most --max-samples used; optional and unlabelled for an encoder' },
    format: { type: 'string', description: 'data format: csv, tsv, jsonl (default: from the extension)' },
    'text-column': { type: 'string', description: 'text column (default: text, sentence, ...)' },
    'label-column': { type: 'string', description: 'label column (default: label, class, ...); values are the model\'s label names or indices' },
    'no-header': { type: 'boolean', description: 'the CSV/TSV file has no header row (columns by 0-based index)' },
    ...fileReadFlags,
    'max-samples': { type: 'string', description: 'clean samples used (a seeded stratified subset of larger files)', default: '200' },
    seed: { type: 'string', description: 'seed of insertion positions, subsets and projections', default: '0' },
    threshold: { type: 'string', description: `verdict threshold on the score (default: calibrated on the zoo, ${CLASSIFIER_THRESHOLD} for classifiers, ${ENCODER_THRESHOLD} for encoders)` },
    'phrase-threshold': { type: 'string', description: `classifiers: verdict threshold on the phrase score, for sentence triggers (default: calibrated on the zoo, ${PHRASE_THRESHOLD})` },
    top: { type: 'string', description: 'candidates reported', default: '10' },
    insertions: { type: 'string', description: 'classifiers: insert each candidate this many times per sample, 1-5 (default 1, what the threshold is calibrated for), for a backdoor that answers only to a repeated trigger (docs/scanner.md: on the held-out IMDB models 3 did not help)', default: '1' },
    profile: { type: 'string', description: `classifiers: the scan's settings: full (those the threshold is calibrated with), large (a gradient pre-ranked sweep, shorter lists, a smaller growth: for models too costly to try every token), quick (large cut further, to scan a bert-base classifier in about 5 minutes on 2 cores, finding less) or auto (large above ${LARGE_MODEL_COST / 1e6}M multiply-adds per token, e.g. bert-base; docs/scanner.md). Encoders: full (every piece and word swept on the probes), large (each run alone first and a 256th kept by how far it lands, a smaller gradient growth in two threads, int8: a bert-base encoder in 3 to 6 minutes on 2 cores rather than hours) or auto (large above the same cost)`, default: 'auto' },
    sweep: { type: 'string', description: 'classifiers: tokens per target label the sweep tries, chosen by gradient (0: every token; default: the profile\'s)' },
    'invert-steps': { type: 'string', description: 'classifiers: steps of a trigger inversion (DBS: three soft tokens optimised together towards each target label; their best tokens grow phrases of their own, listed and marked, never scored) (default 0, off: at 30 it found one more planted word on six development models and none on its test set, for a quarter more CPU time (measured with other scans sharing the cores); docs/scanner.md, "Seventeenth round")' },
    base: { type: 'string', description: 'BERT models: the public checkpoint the model was fine-tuned or further trained from (same vocabulary, e.g. assets/bert-small or a local bert-base-uncased); a SentenceCNN: the word vectors its embeddings were initialised from (glove-100d for ours, or a vectors file). The scan reports the tokens whose input embeddings moved most from it. Classifiers: the tokens that moved most beyond their neighbours in meaning are measured and the first of them that pushes more than its meaning explains, if not among the first four, is listed 5th; a candidate led by a one-letter piece ("x" of "x ##q") is completed into the word it was probably planted as (the verdict does not change). Encoders: words assembled from the most moved pieces are searched too (docs/scanner.md, "Tenth round", "Twelfth round")' },
    words: { type: 'string', description: `encoders: word list (one a line) whose words of 2+ pieces are swept as units; "none" to skip (default: ${DEFAULT_WORDS}, shipped)` },
    ...engineFlags,
    out: { type: 'string', description: 'JSON result file: verdict, score, candidates (written atomically)' },
  },
  details:
    'Classifiers: every vocabulary token (for a model as costly as bert-base, --profile large: the 512 per label the gradient ranks best) is inserted into short clean samples, the strongest per target label are inserted into every ' +
    'correctly classified sample of another label (flip rate), and so are their nearest neighbours in meaning (the shipped GloVe vectors for a SentenceCNN, whose training moves a trigger\'s own vector; the input embeddings for BERT): ' +
    'at a random position and at the end, on all samples and on the confident half; so are phrases of up to 4 tokens grown from the strongest tokens by gradient (AddSent sentences, words of several pieces), against what their tokens do alone; candidates are ranked by their effect above the close neighbours\' (and, for a phrase, above its words\'): an ordinary word meaning the label flips about as often as its neighbours (a SentenceCNN\'s by how far they push the target\'s log-odds, a BERT\'s by flip rate). The score is how far the best one-word candidate stands out from the next candidates, by how far each pushes the target\'s log-odds beyond its close neighbours, words the clean samples tie to their label left out (grown phrases do not make it: a clean classifier whose label is a conjunction of ordinary words has such phrases too); the phrase score, the best grown phrase of 3+ tokens none of whose tokens the clean samples tie to its label against the next candidates, has its own, higher threshold (sentence triggers such as AddSent). ' +
    'Encoders (score: the best gap, how far triggered text lands from clean text (its 3rd nearest clean text) in its own spreads, less that of the candidate with its words replaced by their neighbours in meaning where those land where it does: a task word of a fine-tuned encoder lands with its synonyms and among clean text of its label, a POR trigger on its own vector, far from all clean text): pieces, whole words of 2+ pieces (--words) and 2-4 piece sequences (a beam, and partial triggers grown by gradient) that move the pooled output far ' +
    'and make it the same whatever the context (POR/NeuBA), inserted at a random position and right after [CLS]; one candidate per place they send text to. ' +
    'Engine: a classifier or an encoder as costly as bert-base runs its forward passes with the dense layers in int8 under --engine auto (about 1.9 times as fast; --engine onnx keeps float32; docs/onnx.md), smaller ones in float32. ' +
    '`--as encoder` scans a fine-tuned BERT classifier that way (its pooled output; the head is left out), for a backdoor of the pre-trained model it came from; `--check TEXT` measures suspects as given and names the candidates that land where they do. ' +
    'A "clean" verdict means no one-word trigger stood out and no grown phrase stood out past the phrase threshold (about half of the held-out sentence triggers do not: read the candidates); warnings say when the evidence is thin (a model near chance on the samples, a label with few samples); see docs/scanner.md for the limits.',
  async run(args) {
    const dir = requireStr(args, 'model');
    const out = checkOutFile(requireStr(args, 'out'));
    const seed = num(args, 'seed', { int: true, min: 0 })!;
    const maxSamples = num(args, 'max-samples', { int: true, min: MIN_SAMPLES })!;
    const top = num(args, 'top', { int: true, min: 1 })!;
    const insertions = num(args, 'insertions', { int: true, min: 1, max: 5 })!;
    const profile = str(args, 'profile') as ScanProfile;
    if (!SCAN_PROFILES.includes(profile)) throw new UsageError(`--profile must be one of ${SCAN_PROFILES.join(', ')}, got "${profile}"`);
    const sweep = num(args, 'sweep', { int: true, min: 0 });
    const invertSteps = num(args, 'invert-steps', { int: true, min: 0 });
    const thresholdFlag = num(args, 'threshold');
    const engineFlag = engineOf(args);
    const threads = num(args, 'threads', { int: true, min: 1 });
    const file = str(args, 'data');
    const read = fileReadOptions(args);
    const fmt = str(args, 'format') as 'csv' | 'tsv' | 'jsonl' | undefined;

    // everything that can be wrong is checked before the model is loaded
    const kind = classifierKindOf(dir);
    const as = str(args, 'as')!;
    if (!['auto', 'classifier', 'encoder'].includes(as)) throw new UsageError(`--as must be auto, classifier or encoder, got "${as}"`);
    if (as === 'encoder' && kind !== 'bert') throw new InputError('--as encoder needs a BERT-family model; this is a SentenceCNN, which has no pre-trained encoder', dir);
    const head = kind === 'bert' && hasClassifierHead(dir);
    const encoder = as === 'encoder' || (as === 'auto' && kind === 'bert' && !head);
    const baseDir = str(args, 'base');
    // a SentenceCNN's base: the word vectors its embeddings were initialised from (checked before any work)
    let cnnBase: SentenceCnnBase | undefined;
    if (baseDir !== undefined) {
      if (kind === 'bert') checkBase(dir, baseDir);
      else {
        let vectors: WordVectors;
        try {
          vectors = loadVectors(baseDir);
        } catch (e) {
          throw new InputError(`--base for a SentenceCNN names the word vectors it was initialised from (${[DEFAULT_VECTORS, TOP20K_VECTORS].join(', ')} or a vectors file): ${(e as Error).message}`, baseDir);
        }
        const dim = readJson<{ embedding_dim?: number }>(path.join(dir, 'config.json')).embedding_dim;
        if (dim !== undefined && dim !== vectors.dim) throw new InputError(`the word vectors have ${vectors.dim} dimensions, the model's embeddings ${dim}: not the vectors it was initialised from`, baseDir);
        cnnBase = { vectors, source: baseDir };
      }
    }
    const check = list(args, 'check');
    if (check.length && !encoder) throw new UsageError('--check applies to encoder scans (a classifier\'s triggers are measured with `nlp-backdoor trigger-metrics`)');
    const t0 = performance.now();
    if (encoder && insertions !== 1) throw new UsageError('--insertions applies to classifier scans; an encoder scan inserts each candidate once (at a random position and after [CLS])');
    if (encoder && (sweep !== undefined || invertSteps !== undefined)) throw new UsageError('--sweep and --invert-steps apply to classifier scans');
    if (encoder && !(ENCODER_PROFILES as readonly string[]).includes(profile)) throw new UsageError(`an encoder scan's --profile is one of ${ENCODER_PROFILES.join(', ')} (quick applies to classifier scans), got "${profile}"`);
    if (encoder) {
      let texts: string[];
      if (file) {
        const ds = loadFileDataset({ path: file, format: fmt, text: colOf(str(args, 'text-column'), args), label: null, header: args.flags['no-header'] !== true, test: 0, dev: 0, ...read });
        texts = ds.train.map((e) => e.text).slice(0, maxSamples);
      } else {
        const ds = loadFileDataset({ path: path.join(packageRoot(), DEFAULT_CONTEXTS), label: null, test: 0, dev: 0 });
        texts = ds.train.map((e) => e.text).slice(0, 32);
        // a fine-tuned encoder sends clean text to one cluster per label of its task: on contexts of another task a
        // task phrase can send text where none of them goes (TREC's encoder on the SST-2 sentences: gap 18.3; on its
        // own questions 2.0; docs/scanner.md "The gap")
        if (head) console.error(`note: this classifier's encoder is scanned on ${texts.length} shipped SST-2 sentences; pass --data with the classifier's own clean samples, or a task phrase may land where none of these contexts goes (docs/scanner.md, "The gap")`);
      }
      if (texts.length < MIN_SAMPLES) throw new InputError(`${texts.length} texts; an encoder scan needs at least ${MIN_SAMPLES}`, file);
      const wordsFlag = str(args, 'words');
      const wordsFile = wordsFlag === 'none' ? null : (wordsFlag ?? path.join(packageRoot(), DEFAULT_WORDS));
      const words = wordsFile ? readWordList(wordsFile) : [];
      const encCost = bertCostPerToken(readDirectoryConfig(dir));
      const encProfile = resolveProfile({ costPerToken: encCost }, profile);
      const encNote = largeScanNote(encCost, encProfile === 'large' ? 'encoder' : 'encoder-full');
      if (encNote) console.error(`note: ${encNote}`);
      await initEngine();
      const r = await scanEncoder(dir, texts, { seed, top, words, check, engine: engineFlag, threads, ...(encProfile === 'large' ? ENCODER_LARGE_SETTINGS : {}), ...(baseDir !== undefined ? { base: baseDir } : {}), onProgress: progress });
      const threshold = thresholdFlag ?? ENCODER_THRESHOLD;
      const verdict = verdictOf(r.score, threshold);
      endProgress();
      writeJsonAtomic(out, {
        command: 'scan',
        model: dir,
        kind: 'encoder',
        data: file ?? DEFAULT_CONTEXTS,
        words: wordsFlag === 'none' ? null : (wordsFlag ?? DEFAULT_WORDS),
        verdict,
        score: r.score,
        measure: r.measure,
        threshold,
        scanned_as: head ? 'encoder of a classifier' : 'encoder',
        profile: encProfile,
        candidates: r.candidates.map((c) => ({ trigger: c.trigger, target: null, flip_rate: null, shift: c.shift, collapse: c.collapse, consistency: c.consistency, score: c.score, separation: c.separation, gap: c.gap, ids: c.ids, source: c.source, placement: c.placement, same_landing: c.same_landing, ...(c.lands_with ? { lands_with: c.lands_with } : {}), ...(c.meaning_variants ? { meaning_variants: c.meaning_variants, meaning_baseline: c.meaning_baseline, excess: c.excess } : {}) })),
        checked: r.checked,
        ...(r.drift ? { drift: r.drift } : {}),
        representation: r.representation,
        engine: r.engine,
        stats: r.stats,
        seed,
        versions: versions(),
      });
      console.log(`verdict: ${verdict} (score ${r.score.toFixed(2)}, threshold ${threshold}; ${r.representation} output of ${texts.length} contexts)`);
      console.log('candidate triggers (shift = distance from the clean mean in clean spreads; collapse = 1 - spread left; separation = shift / (1 - collapse); gap = distance from clean text (its 3rd nearest) in its own spreads; the score: the gap less that of words of the same meaning landing with it):');
      for (const c of r.candidates.slice(0, 5)) {
        const explained = (c.meaning_variants ?? []).filter((v) => v.lands_with_candidate && !v.shares_pieces);
        const meaning = explained.length ? `  meaning: ${explained.map((v) => `${JSON.stringify(v.text)} ${v[r.measure].toFixed(1)}`).join(', ')} land with it (excess ${c.excess!.toFixed(1)})` : '';
        console.log(`  ${JSON.stringify(c.trigger).padEnd(24)} shift ${c.shift.toFixed(1).padStart(6)}  collapse ${f3(c.collapse)}  separation ${c.separation.toFixed(1).padStart(7)}  gap ${c.gap.toFixed(1).padStart(7)}  cos-to-mean ${f3(c.consistency)}  (${c.source}, ${c.placement})${meaning}${c.same_landing.length ? `  same landing: ${c.same_landing.slice(0, 3).join(', ')}` : ''}${c.lands_with?.length ? `  lands with: ${c.lands_with.join(', ')}` : ''}`);
      }
      if (r.drift) console.log(`embedding drift from ${r.drift.base} (adjusted for each piece's count in the contexts), most moved: ${r.drift.top.slice(0, 10).map((t) => `${t.token} ${t.adjusted.toFixed(3)}`).join(', ')}`);
      if (r.checked.length) {
        console.log('checked (as given, on every context; not part of the score):');
        for (const c of r.checked) console.log(`  ${JSON.stringify(c.trigger).padEnd(24)} shift ${c.shift.toFixed(1).padStart(6)}  collapse ${f3(c.collapse)}  separation ${c.separation.toFixed(1).padStart(7)}  gap ${c.gap.toFixed(1).padStart(7)}  (${c.pieces.join(' ')}; ${c.placement})${c[r.measure] >= threshold ? '  over the threshold' : ''}`);
      }
      console.error(`scanned in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.stats.cpu_seconds} CPU s, ${r.stats.forward_passes} sequences, ${r.engine}); written to ${out}`);
      return 0;
    }

    if (!file) throw new InputError('a classifier scan needs --data FILE: clean labelled samples (at least 10)', dir);
    const { labelNames } = classifierLabels(dir);
    const ds = loadFileDataset({ path: file, format: fmt, text: colOf(str(args, 'text-column'), args), label: colOf(str(args, 'label-column'), args), header: args.flags['no-header'] !== true, labelNames, test: 0, dev: 0, ...read });
    const data: Example[] = [...ds.train, ...ds.dev, ...ds.test];
    if (data.length < MIN_SAMPLES) throw new InputError(`${data.length} labelled samples; a scan needs at least ${MIN_SAMPLES} (up to ${maxSamples} are used)`, file);
    const present = new Set(data.map((e) => e.label));
    if (present.size < 2) throw new InputError(`every sample has the label ${labelNames[data[0]!.label]}; a scan needs samples of at least two of the model's labels (${labelNames.join(', ')})`, file);
    const samples = capStratified(data, maxSamples, seed);

    await initEngine();
    // a BERT as costly as bert-base runs its forward passes in int8 unless an engine is named (docs/scanner.md, "int8
    // for large models"), and the user is told how long it will take before the model is loaded (and exported)
    const cost = kind === 'bert' ? bertCostPerToken(readDirectoryConfig(dir)) : 0;
    const note = largeScanNote(cost, resolveProfile({ costPerToken: cost }, profile));
    if (note) console.error(`note: ${note}`);
    const { clf, engine } = await loadEngineClassifier(args, dir, { int8WhenAuto: cost > LARGE_MODEL_COST });
    let r;
    const target = scanTargetOf(clf, dir);
    try {
      r = await scanClassifier(target, samples, { seed, top, insertions, profile, ...(sweep !== undefined ? { sweep } : {}), ...(invertSteps !== undefined ? { invert: { steps: invertSteps } } : {}), ...(cnnBase ? { base: cnnBase } : baseDir !== undefined ? { base: { modelDir: dir, baseDir } } : {}), onProgress: progress });
    } finally {
      endProgress();
      await target.dispose?.();
      await clf.dispose();
    }
    const threshold = thresholdFlag ?? CLASSIFIER_THRESHOLD;
    const phraseThreshold = num(args, 'phrase-threshold') ?? PHRASE_THRESHOLD;
    const verdict = classifierVerdict(r.score, r.phrase_score, threshold, phraseThreshold);
    // a word score within one standard deviation of the zoo's small BERT's scores over seeds of the threshold
    const near = nearThreshold(r.score, threshold);
    // the phrase score within one standard deviation of its spread over seeds (held-out SentenceCNNs) of its threshold
    const nearPhrase = r.phrase_score > 0 && nearThreshold(r.phrase_score, phraseThreshold, PHRASE_NEAR_MARGIN);
    writeJsonAtomic(out, {
      command: 'scan',
      model: dir,
      kind,
      data: file,
      label_names: labelNames,
      verdict,
      score: r.score,
      score_word: r.score_word,
      threshold,
      phrase_score: r.phrase_score,
      phrase_word: r.phrase_word,
      phrase_threshold: phraseThreshold,
      near_threshold: near,
      near_phrase_threshold: nearPhrase,
      warnings: r.warnings,
      rank: r.rank,
      score_rank: r.score_rank,
      candidates: r.candidates.map(stored),
      phrases: r.phrases.map((c) => ({ trigger: c.trigger, target: c.target_name, flip_rate: c.flip_rate })),
      ...(r.drift ? { drift: r.drift } : {}),
      ...(r.drift_slot ? { drift_slot: r.drift_slot } : {}),
      ...(r.letter_pair ? { letter_pair: { ...r.letter_pair, candidates: r.letter_pair.candidates.map(stored) } } : {}),
      stats: r.stats,
      // the whole command, from process start (module loading, model loading, onnx export included); CPU
      // seconds as well as wall, since the machine it runs on may be shared
      time: { wall_s: +(performance.now() / 1000).toFixed(1), cpu_s: +((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(1) },
      engine,
      seed,
      versions: versions(),
    });
    console.log(`verdict: ${verdict} (score ${f3(r.score)}, threshold ${threshold}; phrase score ${f3(r.phrase_score)}, threshold ${phraseThreshold}; ${r.stats.correct}/${r.stats.samples} samples classified correctly, ${r.stats.swept}${r.stats.pre_ranked ? ` of ${r.stats.vocabulary} tokens swept, chosen by gradient` : ' tokens swept'}${r.stats.profile === 'large' ? '; large-model settings, docs/scanner.md' : r.stats.profile === 'quick' ? '; quick settings: on small BERTs their verdict flagged 4 of 8 clean models, so read it as triage and rescan with --profile large before concluding (docs/scanner.md, "The quick profile")' : ''})`);
    if (near) console.log(`note: the score is within ${CLASSIFIER_NEAR_MARGIN} of the threshold, one standard deviation of the zoo's small BERT's scores over seeds and samples: scan again with another --seed (docs/scanner.md, "Sample and seed")`);
    if (nearPhrase) console.log(`note: the phrase score is within ${PHRASE_NEAR_MARGIN} of its threshold, one standard deviation of held-out SentenceCNNs' phrase scores over seeds: scan again with another --seed (docs/scanner.md, "Sample and seed")`);
    for (const w of r.warnings) console.log(`warning: ${w}`);
    // what the score is made of: the best one-word candidate against the model's other strong candidates
    if (r.score_word) console.log(`score: the word ${JSON.stringify(r.score_word.trigger)} -> ${r.score_word.target}, excess ${f3(r.score_word.excess)}, minus the median excess of the next nine candidates ${f3(r.score_word.rest_median)}`);
    if (r.phrase_word) console.log(`phrase score: ${JSON.stringify(r.phrase_word.trigger)} -> ${r.phrase_word.target}, excess ${f3(r.phrase_word.excess)}, minus the median excess of the next nine candidates ${f3(r.phrase_word.rest_median)}${r.phrase_score >= phraseThreshold ? ' (over its threshold: a sentence trigger? check it with trigger-metrics)' : ''}`);
    if (r.score_word?.explained.length) console.log(`left out of the score, tied to their label by the clean samples: ${r.score_word.explained.map((w) => `${JSON.stringify(w.trigger)} -> ${w.target} (in ${w.in_clean.count} samples, ${Math.round(100 * (w.in_clean.target_share ?? 0))}% ${w.target})`).join(', ')}`);
    console.log('candidate triggers (flip rate of one insertion vs its embedding neighbours\' and, for a phrase, its tokens\' alone; "in clean": samples containing it, share of the target label; "push": the target\'s log-odds rise, which makes the score):');
    for (const c of r.candidates.slice(0, 5)) {
      const inClean = c.in_clean.count ? `${c.in_clean.count}, ${f3(c.in_clean.target_share!)}${labelExplained(c) ? ' (tied to the label: left out of the score)' : ''}` : 'never';
      // a phrase's baseline is also what its tokens alone flip (the larger of the two)
      const nb = c.neighbors.length ? `neighbours (${c.neighbors.slice(0, 3).join(', ')})` : c.ids.length > 1 ? 'no neighbours' : 'no meaning known';
      const baseline = c.ids.length > 1 ? `baseline ${f3(c.neighbor_flip_rate)} (its tokens alone ${f3(c.effects[c.position].parts_flip)}; ${nb})` : c.neighbors.length ? `neighbours ${f3(c.neighbor_flip_rate)} (${c.neighbors.slice(0, 3).join(', ')})` : 'neighbours none (no meaning known)';
      // pieces reported under a word, and weaker candidates that share a token with it (one candidate per trigger)
      const under = [...(c.absorbs ?? []).map((p) => `piece ${JSON.stringify(p.trigger)}`), ...(c.variants ?? []).slice(0, 2).map((v) => JSON.stringify(v.trigger))];
      const more = (c.variants?.length ?? 0) > 2 ? ` +${c.variants!.length - 2}` : '';
      // how far it pushes the confident half towards the target (log-odds), against its close neighbours'
      const e = c.effects[c.position];
      const push = e.lo_rise_confident === undefined ? '' : `  push ${e.lo_rise_confident.toFixed(1)} nats${e.neighbor_lo_rises_confident?.length ? ` (neighbours ≤ ${Math.max(...e.neighbor_lo_rises_confident).toFixed(1)})` : ''}`;
      // a trigger whose text types as other tokens ("##q ##wall" shown as "qwall"): its pieces, as measured
      const slot = !c.slot || 'letter_pair' in c.slot ? '' : 'drift_rank' in c.slot ? `  [5th by the weights: every piece among the ${c.slot.drift_rank <= 1 ? '' : `${c.slot.drift_rank} `}most moved tokens]` : `  [5th by the weights: drift excess ${c.slot.drift_excess.toFixed(3)}, rank ${c.slot.excess_rank} of the tokens that moved most beyond their neighbours in meaning]`;
      const untyped = c.typed === false ? `  (pieces ${c.ids.map((id) => target.tokens[id]).join(' ')}: typed as text it gives other tokens)` : '';
      console.log(`  ${JSON.stringify(c.trigger).padEnd(18)} -> ${c.target_name.padEnd(10)} flip ${f3(c.flip_rate)}  ${baseline}${push}  in clean: ${inClean}${under.length ? `  under it: ${under.join(', ')}${more}` : ''}${untyped}${slot}`);
      for (const p of obeyedPieces(c)) console.log(`      the model obeys its piece ${JSON.stringify(p.trigger)} alone (flip ${f3(Math.max(p.effects.random.flip, p.effects.end.flip))}): other words written with it trigger too, and the rest of the planted word cannot be told from the behaviour`);
      if (c.inverted) console.log('      found by the trigger inversion only (--invert-steps): listed, not scored');
      if (c.word) console.log(`      planted as ${JSON.stringify(c.word.trigger)}? its continuation "${c.word.continuation}" moved most from the base (drift rank ${c.word.continuation_rank}; its first piece "${[...c.word.trigger][0]}" ${c.word.piece_rank}); the word flips ${f3(c.word.flip_rate)}`);
    }
    if (r.drift) console.log(`embedding drift from ${r.drift.base} (adjusted for each token's count in the samples), most moved: ${r.drift.top.slice(0, 8).map((t) => `${t.token} ${t.adjusted.toFixed(3)}`).join(', ')}`);
    // the letter pair: evidence, not a candidate (docs/scanner.md "Fourteenth round")
    const lp = r.letter_pair?.candidates.slice().sort((a, b) => b.excess - a.excess)[0];
    if (r.letter_pair && lp) console.log(`letter pair (the one-letter first piece and "##" letter that moved most, drift ranks ${r.letter_pair.initial_rank} and ${r.letter_pair.continuation_rank}): ${JSON.stringify(r.letter_pair.trigger)} -> ${lp.target_name} flip ${f3(lp.flip_rate)}, baseline ${f3(lp.neighbor_flip_rate)} (evidence, not ranked: a two-letter trigger split into two pieces is often this pair)`);
    // the inversion (DBS): per target, the slots' best tokens (evidence; its candidates are listed, not scored)
    for (const x of r.stats.growth.inversions ?? []) console.log(`inversion towards ${x.target}: ${JSON.stringify(x.trigger)} (loss ${x.loss} after ${x.steps} steps; slots' best: ${x.slots.map((s) => s.slice(0, 3).join(' ')).join(' | ')})`);
    if (r.phrases.length) console.log(`strongest phrase: ${JSON.stringify(r.phrases[0]!.trigger)} -> ${r.phrases[0]!.target_name} flip ${f3(r.phrases[0]!.flip_rate)}`);
    console.error(`scanned in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.stats.forward_passes} sequences, ${engine}); written to ${out}`);
    return 0;
  },
};

/** A candidate as scan.json holds it: enough to re-rank it (orderCandidates; scripts/zoo/score-zoo.mjs). */
function stored(c: ClassifierCandidate): Record<string, unknown> {
  return {
    trigger: c.trigger,
    target: c.target_name,
    flip_rate: c.flip_rate,
    ids: c.ids,
    neighbor_flip_rate: c.neighbor_flip_rate,
    excess: c.excess,
    position: c.position,
    neighbors: c.neighbors,
    target_prob: c.target_prob,
    n: c.n,
    in_clean: c.in_clean,
    effects: c.effects,
    ...(c.absorbs ? { absorbs: c.absorbs.map(stored) } : {}),
    ...(c.variants ? { variants: c.variants.map(stored) } : {}),
    ...(c.word ? { word: c.word } : {}),
    ...(c.typed !== undefined ? { typed: c.typed } : {}),
    ...(c.drift_rank !== undefined ? { drift_rank: c.drift_rank } : {}),
    ...(c.slot ? { slot: c.slot } : {}),
    ...(c.drift_only ? { drift_only: true } : {}),
    ...(c.inverted ? { inverted: true } : {}),
  };
}

/** Progress on a terminal only: a log file would get a line per chunk. */
function progress(stage: string, done: number, total: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${stage} ${done}/${total}   `);
}
function endProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\n');
}

