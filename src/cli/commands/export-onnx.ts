// `nlp-backdoor export-onnx`: write a model directory's classifier as an ONNX file (docs/onnx.md).
import * as fs from 'node:fs';
import type { Command } from '../command.js';
import { str, bool, requireStr } from '../args.js';
import { initEngine } from '../../engine/index.js';
import { exportOnnxFile } from '../../models/onnx/index.js';
import { outFileFlag } from '../out-path.js';

export const exportOnnx: Command = {
  name: 'export-onnx',
  summary: 'export a trained model directory (SentenceCNN or BERT classifier) to ONNX',
  usage: '--model DIR [--out FILE] [--force]',
  flags: {
    model: { type: 'string', description: 'model directory' },
    out: { type: 'string', description: 'output file (default: DIR/model.onnx, the file `predict --engine onnx` uses)' },
    force: { type: 'boolean', description: 'export even when the file was exported from the current weights and config (same SHA-256)' },
  },
  details: 'BERT inputs: input_ids, attention_mask, token_type_ids (int64 [batch, sequence]); SentenceCNN inputs: input_ids (int64 [batch, length]), lengths (int64 [batch]); output: logits [batch, labels].',
  async run(args) {
    const dir = requireStr(args, 'model');
    await initEngine();
    const out = outFileFlag(args);
    const file = await exportOnnxFile(dir, { file: out, force: bool(args, 'force') || out !== undefined });
    console.error(`${file} (${(fs.statSync(file).size / 1e6).toFixed(1)} MB)`);
    return 0;
  },
};
