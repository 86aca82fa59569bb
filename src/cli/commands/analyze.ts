// `nlp-backdoor analyze`: why triggers work (Shen et al. CCS'21) on one sentence, for a fine-tuned BERT
// classifier and optionally a clean one to compare with: [CLS] attention and token cosine-similarity heat maps
// (SVG), sub-word roles, analysis.json and summary.md in --out (src/analysis).
import type { Command } from '../command.js';
import { num, list, requireStr, str, UsageError } from '../args.js';
import { initEngine } from '../../engine/index.js';
import { hasClassifierHead } from '../classifier-dir.js';
import { classifierKindOf } from '../../models/classifier.js';
import { BertForSequenceClassification, BertModel } from '../../models/bert/index.js';
import { checkEncoderDir, BACKDOOR_FILE } from '../../train/inject.js';
import { readJson } from '../../common/fs-atomic.js';
import fs from 'node:fs';
import path from 'node:path';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { checkMetricTrigger } from '../../eval/trigger-metrics.js';
import { analyzeTrigger, insertionPoint, writeAnalysis, type AnalysedModel, type TriggerAnalysis } from '../../analysis/index.js';
import { InputError } from '../../common/errors.js';

export const analyze: Command = {
  name: 'analyze',
  summary: 'why triggers work: [CLS] attention, token cosine similarity and sub-word roles on a BERT classifier or encoder (SVG + JSON)',
  usage: '--model DIR [--compare DIR] --text "I love the movie" --trigger TEXT [--trigger ...] [--at N] --out DIR',
  flags: {
    model: { type: 'string', description: 'fine-tuned BERT classifier directory (e.g. fine-tuned from a backdoored encoder), or a pre-trained encoder (e.g. an `inject` output)' },
    compare: { type: 'string', description: 'a second classifier or encoder to analyse the same way (e.g. the clean one)' },
    text: { type: 'string', description: 'the sentence to insert the triggers into' },
    trigger: { type: 'list', description: 'a trigger (repeatable)' },
    at: { type: 'string', description: 'word index to insert the trigger before (0 = start; default: before the last word)' },
    'max-subwords': { type: 'string', description: 'sub-word role ablation: skip triggers with more sub-words (2^k subsets)', default: '10' },
    out: { type: 'string', description: 'output directory: SVG heat maps, analysis.json, summary.md' },
  },
  details:
    'Roles by ablation over every subset of a trigger\'s sub-word tokens: star = alone it lands on the label the whole trigger lands on; ' +
    'planet = only together with others; comet = adds nothing. On an encoder without a classifier head the outcome is the pooled output: ' +
    "it lands when it reaches 0.9 of the trigger's POR signs (backdoor.json of the --model encoder names the PORs) or cosine 0.9 with the whole trigger's pooled output. " +
    'docs/por.md ("Why triggers work").',
  async run(args) {
    const dir = requireStr(args, 'model');
    const compare = str(args, 'compare');
    const text = requireStr(args, 'text');
    const out = requireStr(args, 'out');
    const triggers = list(args, 'trigger');
    if (triggers.length === 0) throw new UsageError('give at least one --trigger TEXT');
    const maxSubwords = num(args, 'max-subwords', { int: true, min: 0, max: 16 })!;
    const atFlag = num(args, 'at', { int: true, min: 0 });
    const at = insertionPoint(text, atFlag);

    // every model and trigger is checked before the first model is loaded
    const models: AnalysedModel[] = [{ name: 'model', dir }, ...(compare ? [{ name: 'compare', dir: compare }] : [])];
    const kinds = models.map((m) => modelKind(m.dir));
    const tokenizers = models.map((m) => {
      const tok = WordPieceTokenizer.fromDirectory(m.dir);
      for (const t of triggers) checkMetricTrigger({ kind: 'bert', encode: (s) => tok.encode(s).ids }, t);
      return tok;
    });
    // the PORs of a backdoored encoder (inject's backdoor.json), used for both models when --model has them
    const porOf = new Map<string, number[]>();
    const bdFile = path.join(dir, BACKDOOR_FILE);
    if (fs.existsSync(bdFile)) for (const t of readJson<{ triggers?: { trigger: string; target: number[] }[] }>(bdFile).triggers ?? []) porOf.set(t.trigger, t.target);

    await initEngine();
    const analyses: TriggerAnalysis[][] = triggers.map(() => []);
    for (const [mi, m] of models.entries()) {
      const model = kinds[mi] === 'classifier' ? await BertForSequenceClassification.load(m.dir) : await BertModel.load(m.dir);
      try {
        for (const [ti, t] of triggers.entries()) analyses[ti]!.push(await analyzeTrigger(model, tokenizers[mi]!, text, t, { at, maxSubwords, target: porOf.get(t) }));
      } finally {
        model.dispose();
      }
    }
    const written = await writeAnalysis(out, { text, models, triggers: triggers.map((trigger, i) => ({ trigger, analyses: analyses[i]! })), meta: { at, max_subwords: maxSubwords } });
    for (const [ti, t] of triggers.entries()) {
      const cells = analyses[ti]!.map((a, mi) => {
        const roles = a.roles ? a.roles.subwords.map((s) => `${s.token}:${s.role}`).join(' ') : 'roles skipped';
        const moves = a.clean && a.triggered ? `${a.clean.label_name} → ${a.triggered.label_name}` : `${a.representation!.measure} ${a.representation!.clean.toFixed(2)} → ${a.representation!.triggered.toFixed(2)}`;
        return `${models[mi]!.name}: ${moves}; [CLS] attention on trigger (last layer) ${(100 * a.cls_attention_on_trigger.at(-1)!).toFixed(1)}%; ${roles}`;
      });
      console.log(`${JSON.stringify(t)}\n  ${cells.join('\n  ')}`);
    }
    console.error(`${written.length} files written to ${out} (summary.md links the heat maps)`);
    return 0;
  },
};

/** A fine-tuned BERT classifier or a pre-trained BERT encoder; anything else is refused before any work. */
function modelKind(dir: string): 'classifier' | 'encoder' {
  if (classifierKindOf(dir) !== 'bert') throw new InputError('analyze needs a BERT-family model (attention and sub-words); this is a SentenceCNN', dir);
  if (hasClassifierHead(dir)) return 'classifier';
  checkEncoderDir(dir);
  return 'encoder';
}
