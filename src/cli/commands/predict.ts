// `nlp-backdoor predict`: run a trained model directory on texts; one JSON line per input.
import type { Command } from '../command.js';
import { str, num, list, requireStr, UsageError } from '../args.js';
import { initEngine } from '../../engine/index.js';
import { predictTextsAsync } from '../../models/classifier.js';
import { engineFlags, engineOf, loadEngineClassifier } from '../engine.js';
import { loadFileDataset, readText, splitLines } from '../../data/index.js';
import { writeFileAtomic } from '../../common/fs-atomic.js';
import { outFileFlag } from '../out-path.js';
import { fileReadFlags, fileReadOptions } from '../dataset-flags.js';

export const predict: Command = {
  name: 'predict',
  summary: 'classify texts with a trained model directory (SentenceCNN or BERT family)',
  usage: '--model DIR (--input FILE [--text-column C] | --text "...") [--out preds.jsonl] [--engine auto|onnx|onnx-int8|tfjs]',
  flags: {
    model: { type: 'string', description: 'model directory (a train/run output\'s model/ folder, or a Hugging Face BERT folder)' },
    input: { type: 'string', description: 'input file: csv, tsv, jsonl or plain lines (.txt: one text per line)' },
    format: { type: 'string', description: 'input format: csv, tsv, jsonl, lines (default: from the extension)' },
    'text-column': { type: 'string', description: 'text column of the input file (default: text, sentence, ...)' },
    'no-header': { type: 'boolean', description: 'the CSV/TSV input has no header row (columns by index)' },
    text: { type: 'list', description: 'a text to classify (repeatable)' },
    out: { type: 'string', description: 'write JSON lines here instead of stdout' },
    'batch-size': { type: 'string', description: 'batch size', default: '100' },
    ...engineFlags,
    ...fileReadFlags,
  },
  details: 'The onnx engine gives the tfjs logits within 1e-5 (measured ≤ 1e-6) and is ~4x faster for BERT (docs/onnx.md); auto falls back to tfjs when onnxruntime-node cannot be loaded.',
  async run(args) {
    const dir = requireStr(args, 'model');
    const input = str(args, 'input');
    const texts: string[] = [...list(args, 'text')];
    if (!input && texts.length === 0) throw new UsageError('give --input FILE or --text "..."');
    const out = outFileFlag(args);
    engineOf(args); // checked before any work
    const bs = num(args, 'batch-size', { int: true, min: 1 }) ?? 100;
    await initEngine();
    const read = fileReadOptions(args);
    if (input) {
      const fmt = str(args, 'format');
      if (fmt === 'lines' || (!fmt && /\.txt$/i.test(input))) {
        // decoded like every data file (encoding, binary input, a missing file named); blank lines are not inputs
        texts.push(...splitLines(readText(input, read.encoding)).map((l) => l.text).filter((l) => l.trim() !== ''));
      } else {
        const ds = loadFileDataset({
          path: input,
          format: fmt as 'csv' | 'tsv' | 'jsonl' | undefined,
          text: str(args, 'text-column'),
          label: null,
          header: args.flags['no-header'] !== true,
          test: 0,
          dev: 0,
          ...read,
        });
        texts.push(...ds.train.map((e) => e.text));
      }
    }
    const { clf } = await loadEngineClassifier(args, dir);
    const preds = await predictTextsAsync(clf, texts, bs);
    const lines = preds.map((p, i) => JSON.stringify({ text: texts[i], label: p.labelName, label_id: p.label, probs: p.probs, logits: p.logits }));
    const body = lines.join('\n') + (lines.length ? '\n' : '');
    if (out) {
      writeFileAtomic(out, body);
      console.error(`${preds.length} predictions written to ${out}`);
    } else process.stdout.write(body);
    await clf.dispose();
    return 0;
  },
};
