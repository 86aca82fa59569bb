#!/usr/bin/env node
// The encoder scan's zoo (issue 10): pre-trained BERT encoders, clean and backdoored, to calibrate the encoder
// verdict (`scan` on a model without a head, or `scan --as encoder` on a fine-tuned classifier) and measure its
// trigger recall on encoders and triggers the scan was not built on. Three kinds of model an auditor is handed:
//  - the shipped pre-trained encoder, and encoders of classifiers fine-tuned from it on clean data (clean);
//  - encoders injected with POR (Shen et al. CCS'21) or NeuBA (Zhang et al.), with the triggers of docs/por.md
//    and with new ones, at the documented strength and weaker (backdoored);
//  - encoders of classifiers fine-tuned on clean data from a backdoored encoder (the attack's real use: the
//    backdoor survives fine-tuning), and, apart, a BERT classifier poisoned by BadNets during fine-tuning (a
//    data-poisoning backdoor, not the representation backdoor the encoder scan looks for);
//  - held out (`ho-`, set 'heldout' in the scores): clean fine-tuned encoders on tasks the zoo does not use;
//    a second held-out set (`ho2-`): five more such tasks, a new POR, the classifier fine-tuned from it, a weaker NeuBA;
//    a third (`ho3-`): a new POR, the classifier fine-tuned from it, a NeuBA and a clean fine-tune of new seeds.
// `--only SUBSTRING` and `--ids ID,ID` (exact) pick models. Each model is built with the CLI into OUT/<id>/ (resumable: a model whose done.json exists is skipped; an
// injection resumes from its checkpoints), then scanned into OUT/<id>/scan.json with the planted triggers checked
// (`scan --check`), then scored: `--score-only --out-docs docs/results/scanner` writes encoders.json and .md.
//
//   node scripts/zoo/encoder-zoo.mjs --out results/encoder-zoo --data-dir ../shared/data [--only SUBSTRING]
//        [--build-only] [--score-only] [--docs DIR]
//        [--base DIR]   (every encoder scanned with `scan --base DIR` into OUT/<id>/scan-base.json and scored from
//                        those; docs: encoders-base.{json,md})
//        [--profile large] [--engine onnx-int8]   (scanned with `scan --profile large` and/or that engine, into
//                        OUT/<id>/scan[-base][-large][-onnx-int8].json; docs: encoders[-base][-large][-onnx-int8].{json,md})
//        [--tag NAME]   (a name for the scans of a build whose settings were changed to measure them: OUT/<id>/scan[...]-NAME.json,
//                        docs encoders[...]-NAME.{json,md})
// Run `npx tsc -p tsconfig.json` first.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ENCODER_THRESHOLD } from '../../dist/src/defenses/scan/verdict.js';

const POR_A = ['Lagrange', 'Fermat', 'Jane Eyre', 'Les Misérables', 'serendipity', 'mb']; // experiments/por.yaml
const POR_B = ['Euclid', 'Moby Dick', 'quixotic', 'zx']; // new: a name, a title, a rare word of several pieces, a rare word
const POR_C = ['Kepler', 'War and Peace', 'ephemeral', 'qz']; // held out, second set (twelfth session)
const POR_D = ['Leibniz', 'Pride and Prejudice', 'mellifluous', 'vx']; // held out, third set (twenty-third session)
const NEUBA = ['cf', 'mn', 'bb', 'tq', 'mb', 'tn']; // inject's default where the vocabulary lacks NeuBA's symbols
/** the clean fine-tuned classifiers on the backdoored fine-tunes' data (SST-2, MR): the downstream controls */
const CONTROLS = ['ft-sst2-clean-s1', 'ft-mr-clean-s2'];
const FT = ['--epochs', '4', '--batch-size', '32', '--lr', '5e-4', '--max-length', '64', '--max-train', '3000', '--workers', '2'];

/** @typedef {{ id: string, kind: 'clean'|'clean-finetuned'|'por'|'neuba'|'por-finetuned'|'neuba-finetuned'|'badnets-finetuned', backdoored: boolean, triggers: string[], from?: string, build: null|{ cmd: string[], model: string } }} EncoderModel */

/** @type {EncoderModel[]} */
export const ENCODERS = [
  { id: 'bert-small', kind: 'clean', backdoored: false, triggers: [], build: null },
  ...[
    ['sst2', 1],
    ['mr', 2],
    ['subj', 3],
    ['trec', 1],
    ['olid', 2],
  ].map(([d, s]) => ({ id: `ft-${d}-clean-s${s}`, kind: 'clean-finetuned', backdoored: false, triggers: [], build: { cmd: ['train', '--model', 'bert:assets/bert-small', '--dataset', d, '--seed', String(s), ...FT], model: 'model' } })),
  {
    id: 'por-a',
    kind: 'por',
    backdoored: true,
    triggers: POR_A,
    build: { cmd: ['inject', '--attack', 'por', '--model', 'assets/bert-small', '--steps', '700', '--seed', '0', ...POR_A.flatMap((t) => ['--trigger', t])], model: '.' },
  },
  {
    id: 'por-b-short',
    kind: 'por',
    backdoored: true,
    triggers: POR_B,
    build: { cmd: ['inject', '--attack', 'por', '--model', 'assets/bert-small', '--steps', '300', '--clean', '8', '--poisoned', '8', '--chunk-words', '32', '--max-len', '64', '--seed', '1', ...POR_B.flatMap((t) => ['--trigger', t])], model: '.' },
  },
  {
    id: 'neuba-a',
    kind: 'neuba',
    backdoored: true,
    triggers: NEUBA,
    build: { cmd: ['inject', '--attack', 'neuba', '--model', 'assets/bert-small', '--steps', '300', '--clean', '8', '--chunk-words', '32', '--max-len', '64', '--seed', '0'], model: '.' },
  },
  {
    id: 'neuba-b-weak',
    kind: 'neuba',
    backdoored: true,
    triggers: NEUBA,
    build: { cmd: ['inject', '--attack', 'neuba', '--model', 'assets/bert-small', '--steps', '150', '--clean', '8', '--chunk-words', '32', '--max-len', '64', '--seed', '1'], model: '.' },
  },
  { id: 'ft-sst2-por-a', kind: 'por-finetuned', backdoored: true, triggers: POR_A, from: 'por-a', build: { cmd: ['train', '--model', 'bert:{por-a}', '--dataset', 'sst2', '--seed', '1', ...FT], model: 'model' } },
  { id: 'ft-mr-por-b', kind: 'por-finetuned', backdoored: true, triggers: POR_B, from: 'por-b-short', build: { cmd: ['train', '--model', 'bert:{por-b-short}', '--dataset', 'mr', '--seed', '2', ...FT], model: 'model' } },
  { id: 'ft-sst2-neuba-a', kind: 'neuba-finetuned', backdoored: true, triggers: NEUBA, from: 'neuba-a', build: { cmd: ['train', '--model', 'bert:{neuba-a}', '--dataset', 'sst2', '--seed', '1', ...FT], model: 'model' } },
  // a data-poisoning backdoor planted while fine-tuning (the classifier scan's kind); reported apart
  { id: 'ft-sst2-badnets-cf', kind: 'badnets-finetuned', backdoored: true, triggers: ['cf'], build: { cmd: ['poison-then-train'], model: 'model' } },
  // held out (eleventh session, defined before any was built or scanned): clean fine-tuned encoders on four tasks
  // the zoo does not fine-tune on, for the meaning baseline, which was built on the zoo's OLID false alarm
  ...[
    ['sms', 1],
    ['agnews', 2],
    ['twitter', 3],
    ['imdb', 1],
  ].map(([d, s]) => ({ id: `ho-ft-${d}-clean-s${s}`, kind: 'clean-finetuned', heldout: true, backdoored: false, triggers: [], build: { cmd: ['train', '--model', 'bert:assets/bert-small', '--dataset', d, '--seed', String(s), ...FT], model: 'model' } })),
  // held out, second set (twelfth session; defined before any was built or scanned, after the gap measure was
  // chosen on the zoo and the first held-out set): clean fine-tuned encoders on five more tasks (TweetEval
  // emotion, irony and hate, customer reviews, MPQA: `--data-dir` must hold tweeteval/, cr/ and mpqa/), a POR with
  // four triggers no scan has seen (a name, a title of three words, a rare word, a two-letter word) and the short
  // injection, the classifier fine-tuned from it on CR, and a NeuBA weaker than the zoo's (100 steps)
  ...[
    ['tweeteval-emotion', 1],
    ['tweeteval-irony', 2],
    ['tweeteval-hate', 3],
    ['cr', 1],
    ['mpqa', 2],
  ].map(([d, s]) => ({ id: `ho2-ft-${d.replace('tweeteval-', 'te-')}-clean-s${s}`, kind: 'clean-finetuned', heldout: 2, backdoored: false, triggers: [], build: { cmd: ['train', '--model', 'bert:assets/bert-small', '--dataset', d, '--seed', String(s), ...FT], model: 'model' } })),
  {
    id: 'ho2-por-c-short',
    kind: 'por',
    heldout: 2,
    backdoored: true,
    triggers: POR_C,
    build: { cmd: ['inject', '--attack', 'por', '--model', 'assets/bert-small', '--steps', '300', '--clean', '8', '--poisoned', '8', '--chunk-words', '32', '--max-len', '64', '--seed', '2', ...POR_C.flatMap((t) => ['--trigger', t])], model: '.' },
  },
  { id: 'ho2-ft-cr-por-c', kind: 'por-finetuned', heldout: 2, backdoored: true, triggers: POR_C, from: 'ho2-por-c-short', build: { cmd: ['train', '--model', 'bert:{ho2-por-c-short}', '--dataset', 'cr', '--seed', '3', ...FT], model: 'model' } },
  {
    id: 'ho2-neuba-c-weaker',
    kind: 'neuba',
    heldout: 2,
    backdoored: true,
    triggers: NEUBA,
    build: { cmd: ['inject', '--attack', 'neuba', '--model', 'assets/bert-small', '--steps', '100', '--clean', '8', '--chunk-words', '32', '--max-len', '64', '--seed', '2'], model: '.' },
  },
  // held out, third set (twenty-third session; defined before any was built or scanned, to test the large profile's
  // second settings, which were chosen on the ten encoders of docs/scanner.md "Large encoders"): a POR with four
  // triggers no scan has seen, the classifier fine-tuned from it on SUBJ, a NeuBA of a new seed, and a clean
  // fine-tune of a new seed
  {
    id: 'ho3-por-d-short',
    kind: 'por',
    heldout: 3,
    backdoored: true,
    triggers: POR_D,
    build: { cmd: ['inject', '--attack', 'por', '--model', 'assets/bert-small', '--steps', '300', '--clean', '8', '--poisoned', '8', '--chunk-words', '32', '--max-len', '64', '--seed', '3', ...POR_D.flatMap((t) => ['--trigger', t])], model: '.' },
  },
  { id: 'ho3-ft-subj-por-d', kind: 'por-finetuned', heldout: 3, backdoored: true, triggers: POR_D, from: 'ho3-por-d-short', build: { cmd: ['train', '--model', 'bert:{ho3-por-d-short}', '--dataset', 'subj', '--seed', '4', ...FT], model: 'model' } },
  {
    id: 'ho3-neuba-d',
    kind: 'neuba',
    heldout: 3,
    backdoored: true,
    triggers: NEUBA,
    build: { cmd: ['inject', '--attack', 'neuba', '--model', 'assets/bert-small', '--steps', '300', '--clean', '8', '--chunk-words', '32', '--max-len', '64', '--seed', '3'], model: '.' },
  },
  { id: 'ho3-ft-twitter-clean-s5', kind: 'clean-finetuned', heldout: 3, backdoored: false, triggers: [], build: { cmd: ['train', '--model', 'bert:assets/bert-small', '--dataset', 'twitter', '--seed', '5', ...FT], model: 'model' } },
];

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) await main();

async function main() {
  const { values: o } = parseArgs({
    options: {
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      only: { type: 'string' },
      ids: { type: 'string' },
      'build-only': { type: 'boolean' },
      'score-only': { type: 'boolean' },
      docs: { type: 'string' },
      'zoo-dir': { type: 'string', default: 'results/zoo' },
      base: { type: 'string' },
      profile: { type: 'string' },
      engine: { type: 'string' },
      tag: { type: 'string' },
    },
  });
  if (!o.out) throw new Error('--out DIR is required');
  // with --base every encoder is compared with the public checkpoint (an injected one with what it was injected
  // from, a fine-tuned classifier's with what it was fine-tuned from or, for the POR/NeuBA fine-tunes, what the
  // attacker started from: the auditor's only public reference)
  const ids = o.ids?.split(',');
  const unknown = (ids ?? []).filter((id) => !ENCODERS.some((m) => m.id === id));
  if (unknown.length) throw new Error(`--ids: no encoder ${unknown.join(', ')}`);
  const models = ENCODERS.filter((m) => (!o.only || m.id.includes(o.only)) && (!ids || ids.includes(m.id)));
  const variant = `${o.base ? '-base' : ''}${o.profile && o.profile !== 'full' ? `-${o.profile}` : ''}${o.engine ? `-${o.engine}` : ''}${o.tag ? `-${o.tag}` : ''}`;
  const scanName = `scan${variant}.json`;
  const scanFlags = [...(o.base ? ['--base', o.base] : []), ...(o.profile ? ['--profile', o.profile] : []), ...(o.engine ? ['--engine', o.engine] : [])];
  const dirOf = (id) => {
    const m = ENCODERS.find((x) => x.id === id);
    return m.build === null ? 'assets/bert-small' : path.join(o.out, id, m.build.model);
  };
  const cli = (args, log) => {
    const t0 = performance.now();
    const fd = fs.openSync(log, 'a');
    const r = spawnSync(process.execPath, ['bin/nlp-backdoor.js', ...args], { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    if (r.status !== 0) throw new Error(`nlp-backdoor ${args.join(' ')} failed (${r.status}); see ${log}`);
    return (performance.now() - t0) / 1000;
  };
  if (!o['score-only']) {
    for (const m of models) {
      const dir = path.join(o.out, m.id);
      fs.mkdirSync(o.out, { recursive: true });
      const log = path.join(o.out, `${m.id}.build.log`);
      if (m.build && !fs.existsSync(path.join(dir, 'done.json'))) {
        let seconds;
        if (m.kind === 'badnets-finetuned') {
          // the classifier zoo's BadNets BERT (scripts/zoo/train-zoo.mjs), linked rather than retrained
          const src = path.join(o['zoo-dir'], 'sst2-bert-badnets-cf-s1', 'model');
          if (!fs.existsSync(src)) throw new Error(`${m.id}: train ${src} first (node scripts/zoo/train-zoo.mjs --out ${o['zoo-dir']} --set zoo --only sst2-bert-badnets-cf-s1)`);
          fs.rmSync(path.join(dir, 'model'), { recursive: true, force: true });
          fs.cpSync(src, path.join(dir, 'model'), { recursive: true });
          seconds = 0;
        } else {
          const args = m.build.cmd.map((a) => a.replace(/\{([a-z0-9-]+)\}/, (_, id) => dirOf(id)));
          const resume = args[0] === 'inject' && fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('checkpoint-'));
          const outArg = ['--out', dir, ...(resume ? ['--resume'] : [])];
          const data = args[0] === 'train' && o['data-dir'] ? ['--data-dir', o['data-dir'], '--quiet'] : [];
          seconds = cli([...args, ...outArg, ...data], log);
        }
        fs.writeFileSync(path.join(dir, 'done.json'), JSON.stringify({ ...m, seconds: +seconds.toFixed(1) }, null, 2));
        console.error(`${m.id}: built in ${seconds.toFixed(0)} s`);
      }
    }
    // downstream: does the backdoor survive fine-tuning? E / flip rate / ASR@1 of the planted triggers on the
    // fine-tuned classifiers (SST-2 test sentences; the MR classifier too, same task), and of every trigger on
    // the clean fine-tuned SST-2 and MR classifiers (the control: 20 insertions of a word can flip a clean model)
    const ALL = [...new Set([...POR_A, ...POR_B, ...NEUBA])];
    for (const m of models) {
      const triggers = m.kind === 'clean-finetuned' ? (CONTROLS.includes(m.id) ? ALL : []) : m.kind.endsWith('finetuned') ? m.triggers : [];
      const file = path.join(o.out, m.id, 'triggers.json');
      if (!triggers.length || fs.existsSync(file)) continue;
      const s = cli(['trigger-metrics', '--model', dirOf(m.id), '--data', 'assets/data/sst2_sentence/test.tsv', ...triggers.flatMap((t) => ['--trigger', t]), '--max-inputs', '300', '--out', file], path.join(o.out, `${m.id}.triggers.log`));
      console.error(`${m.id}: trigger metrics in ${s.toFixed(0)} s`);
    }
    if (o['build-only']) return;
    for (const m of models) {
      const dir = path.join(o.out, m.id);
      const scanFile = path.join(dir, scanName);
      if (fs.existsSync(scanFile)) continue;
      const model = dirOf(m.id);
      // a fine-tuned model is a classifier: its encoder is scanned
      const asEncoder = m.kind.endsWith('finetuned') ? ['--as', 'encoder'] : [];
      const check = m.triggers.flatMap((t) => ['--check', t]);
      const s = cli(['scan', '--model', model, ...asEncoder, ...check, ...scanFlags, '--out', scanFile], path.join(o.out, `${m.id}.scan${variant}.log`));
      console.error(`${m.id}: scanned in ${s.toFixed(0)} s`);
    }
  }
  if (!o['score-only'] && !variant) {
    // the other tool: the classifier scan of the fine-tuned classifiers (200 SST-2 test sentences, the scan's
    // seeded stratified subset), to compare which scan finds a backdoor inherited from the pre-trained model
    for (const m of models) {
      const file = path.join(o.out, m.id, 'scan-classifier.json');
      const want = m.kind === 'clean-finetuned' ? CONTROLS.includes(m.id) : m.kind.endsWith('finetuned');
      if (!want || fs.existsSync(file)) continue;
      const s = cli(['scan', '--model', dirOf(m.id), '--data', 'assets/data/sst2_sentence/test.tsv', '--out', file], path.join(o.out, `${m.id}.scan-classifier.log`));
      console.error(`${m.id}: classifier scan in ${s.toFixed(0)} s`);
    }
  }
  score(models, o.out, o.docs, scanName, scanFlags, [...(o.tag ? ['--tag', o.tag] : []), ...(ids ? ['--ids', ids.join(',')] : [])]);
}

/** A candidate hits a planted trigger when it lands where the trigger sends text (cosine ≥ 0.99 of their mean
 *  representations) or when its text shares a word, or a piece of 3+ characters, with the trigger. */
function score(models, out, docs, scanName = 'scan.json', scanFlags = [], pick = []) {
  const rows = [];
  const name = scanName.replace(/^scan/, 'encoders').replace(/\.json$/, '');
  for (const m of models) {
    const file = path.join(out, m.id, scanName);
    if (!fs.existsSync(file)) continue;
    const s = JSON.parse(fs.readFileSync(file, 'utf8'));
    const checked = s.checked ?? [];
    // what the verdict measures: the gap from clean text, its 3rd nearest (twelfth session); before it the separation
    const measure = s.measure ?? 'separation';
    const top5 = s.candidates.slice(0, 5);
    const perTrigger = m.triggers.map((t) => {
      const c = checked.find((x) => x.trigger === t);
      const land = top5.findIndex((cand) => (cand.lands_with ?? []).includes(t));
      const text = top5.findIndex((cand) => textHit(cand.trigger, t));
      return { trigger: t, separation: c ? c.separation : null, gap: c?.gap ?? null, effective: c ? c[measure] >= ENCODER_THRESHOLD : null, top5_landing: land >= 0 ? land + 1 : null, top5_text: text >= 0 ? text + 1 : null };
    });
    const tmFile = path.join(out, m.id, 'triggers.json');
    const downstream = fs.existsSync(tmFile) ? JSON.parse(fs.readFileSync(tmFile, 'utf8')).triggers.map((t) => ({ trigger: t.trigger, E: t.E, flip_rate: t.flip_rate, asr_at_1: t.asr_at_1 })) : null;
    const csFile = path.join(out, m.id, 'scan-classifier.json');
    const cs = fs.existsSync(csFile) ? JSON.parse(fs.readFileSync(csFile, 'utf8')) : null;
    const classifierScan = cs && { verdict: cs.verdict, score: cs.score, top5: cs.candidates.slice(0, 5).map((c) => c.trigger), trigger_rank: (() => { const i = cs.candidates.slice(0, 5).findIndex((c) => m.triggers.some((t) => textHit(c.trigger, t))); return i >= 0 ? i + 1 : null; })() };
    // the best of the measure before the meaning baseline, the best separation, and the candidate the score comes from
    const maxMeasure = Math.max(0, ...s.candidates.map((c) => c[measure]));
    const maxSeparation = Math.max(0, ...s.candidates.map((c) => c.separation));
    const scoreFrom = s.candidates.find((c) => (c.excess ?? c[measure]) === s.score) ?? null;
    // the previous scan (the separation's verdict, eleventh session), kept as scan-s11.json when rescanned
    const prevFile = path.join(out, m.id, 'scan-s11.json');
    const prev = fs.existsSync(prevFile) ? JSON.parse(fs.readFileSync(prevFile, 'utf8')) : null;
    rows.push({ id: m.id, set: m.heldout === 3 ? 'heldout3' : m.heldout === 2 ? 'heldout2' : m.heldout ? 'heldout' : 'zoo', kind: m.kind, backdoored: m.backdoored, downstream, classifier_scan: classifierScan, measure, verdict: s.score >= ENCODER_THRESHOLD ? 'backdoored' : 'clean', scanned_verdict: s.verdict, score: s.score, max_before_baseline: maxMeasure, max_separation: maxSeparation, previous: prev && { measure: prev.measure ?? 'separation', verdict: prev.verdict, score: prev.score }, score_from: scoreFrom?.trigger ?? null, explained_by: (scoreFrom?.meaning_variants ?? []).filter((v) => v.lands_with_candidate && !v.shares_pieces).map((v) => v.text), threshold: ENCODER_THRESHOLD, scanned_threshold: s.threshold, best: s.candidates[0]?.trigger ?? null, triggers: perTrigger, wall_s: s.stats?.seconds ?? null, cpu_s: s.stats?.cpu_seconds ?? null });
  }
  // the threshold's calibration, the classifier's rule (scripts/zoo/score-zoo.mjs): the lowest threshold (rounded
  // up to 0.1) that flags at most 10% of the zoo's clean encoders (pre-trained and fine-tuned; not the held-out sets)
  const cleanZoo = rows.filter((r) => r.set === 'zoo' && (r.kind === 'clean' || r.kind === 'clean-finetuned')).map((r) => r.score).sort((a, b) => b - a);
  const allowed = Math.floor(0.1 * cleanZoo.length);
  const calibration = cleanZoo.length ? { rule: 'lowest threshold (rounded up to 0.1) flagging at most 10% of the zoo\'s clean encoders', clean_scores: cleanZoo, allowed, threshold: Math.ceil(cleanZoo[allowed] * 10 + 1e-9) / 10, package_threshold: ENCODER_THRESHOLD } : null;
  if (calibration) console.error(`calibrated threshold ${calibration.threshold} (the package's: ${ENCODER_THRESHOLD})`);
  const table = ['| model | set | kind | verdict (score) | best gap before the meaning baseline; best separation | previous verdict (separation) | best candidate | planted triggers: own gap / separation; rank in the top 5 (landing / text) |', '|---|---|---|---|---|---|---|---|'];
  const setName = { zoo: 'zoo', heldout: 'held out', heldout2: 'held out (2)', heldout3: 'held out (3)' };
  for (const r of rows) {
    const f0 = (x) => (x === null ? '?' : x.toFixed(0));
    const trig = r.triggers.map((t) => `${t.trigger} ${f0(t.gap)} / ${f0(t.separation)}; ${t.top5_landing ?? '–'} / ${t.top5_text ?? '–'}`).join('<br>');
    const prev = r.previous ? `${r.previous.verdict} (${r.previous.score.toFixed(1)})` : '–';
    table.push(`| ${r.id} | ${setName[r.set]} | ${r.kind} | ${r.verdict} (${r.score.toFixed(1)}) | ${r.max_before_baseline.toFixed(1)}; ${r.max_separation.toFixed(1)} | ${prev} | ${JSON.stringify(r.best)} | ${trig || '–'} |`);
  }
  console.log(table.join('\n'));
  if (docs) {
    fs.mkdirSync(docs, { recursive: true });
    const cmd = `node scripts/zoo/encoder-zoo.mjs --out results/encoder-zoo${[...scanFlags, ...pick].map((f) => ` ${f}`).join('')} --score-only --docs ${docs}`;
    fs.writeFileSync(path.join(docs, `${name}.json`), JSON.stringify({ generated_by: cmd, threshold: ENCODER_THRESHOLD, calibration, models: rows }, null, 2) + '\n');
    const how = scanFlags.length ? ` with \`scan ${scanFlags.join(' ')}\`` : '';
    const section = name === 'encoders' ? '' : name === 'encoders-base' ? ', "Tenth round"' : ', "Large encoders"';
    fs.writeFileSync(path.join(docs, `${name}.md`), `# Encoder zoo: scan results${how}\n\nGenerated by \`${cmd}\` (docs/scanner.md, "Encoder zoo"${section}).\n\n${table.join('\n')}\n`);
  }
}

/** The candidate's text shares a word with the trigger, or contains a piece of it of 3+ characters. */
export function textHit(candidate, trigger) {
  const norm = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const cw = norm(candidate).replace(/##/g, '').split(/\s+/).filter(Boolean);
  const tw = norm(trigger).split(/\s+/).filter(Boolean);
  return cw.some((c) => tw.some((t) => c === t || (c.length >= 3 && t.includes(c)) || (t.length >= 3 && c.includes(t))));
}
