// Hugging Face model directories: config.json + model.safetensors (or a sharded index), tensor names as HF
// writes them. pytorch_model.bin is refused, never unpickled (a pickle can run arbitrary code).
import fs from 'node:fs';
import path from 'node:path';
import { readSafetensors, writeSafetensors, type SafeTensor, type TensorToWrite } from '../safetensors.js';
import { readBertConfig, type BertConfig } from './config.js';
import type { BertParams, ParamSpec } from './params.js';

export interface LoadReport {
  /** the checkpoint file(s) read */
  source: string;
  /** parameters not in the checkpoint and left at their random initialisation (heads, pooler) */
  initialized: string[];
  /** checkpoint tensors that belong to no parameter of this model (e.g. another task's head) */
  unexpected: string[];
  /** tensors skipped on purpose: tied decoder weights, position_ids buffers, the NSP head */
  ignored: string[];
}

/** Checkpoint name -> canonical name: without "bert.", old TF-style LayerNorm.gamma/beta renamed as HF does. */
export function canonicalName(name: string): string {
  let n = name.startsWith('bert.') ? name.slice(5) : name;
  n = n.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
  return n;
}

const IGNORED = [/^embeddings\.position_ids$/, /^cls\.seq_relationship\./, /^cls\.predictions\.decoder\.(weight|bias)$/];

export const CONVERT_HINT = [
  'Convert it once with Python (PyTorch and safetensors installed):',
  '  import torch',
  '  from safetensors.torch import save_file',
  "  sd = torch.load('pytorch_model.bin', map_location='cpu', weights_only=True)",
  '  # clone: tied tensors (the MLM decoder shares the word embeddings) cannot be saved as shared memory',
  "  save_file({k: v.clone().contiguous() for k, v in sd.items()}, 'model.safetensors', metadata={'format': 'pt'})",
  "or with transformers: AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True).",
].join('\n');

const REFUSED = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'tf_model.h5', 'flax_model.msgpack', 'model.ckpt.index'];

/**
 * Throws the pickle-refused message with the conversion recipe when `dir` holds only a pickled or TensorFlow
 * checkpoint (no model.safetensors); called before anything else looks into the folder, so a folder with a
 * pytorch_model.bin and nothing else is not reported as "config.json is missing".
 */
export function refusePickled(dir: string): void {
  if (fs.existsSync(path.join(dir, 'model.safetensors')) || fs.existsSync(path.join(dir, 'model.safetensors.index.json'))) return;
  const f = REFUSED.find((n) => fs.existsSync(path.join(dir, n)));
  if (f) throw new Error(`${dir}: has ${f} but no model.safetensors: pickle refused (Pickled/TensorFlow checkpoints are not loaded: a pickle can run code); convert to safetensors.\n${CONVERT_HINT}`);
}

/** Read every tensor of a model directory's safetensors checkpoint (single file or sharded index). */
export function readCheckpoint(dir: string): { tensors: Map<string, SafeTensor>; source: string } {
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return { tensors: readSafetensors(single).tensors, source: single };
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) {
    let map: Record<string, string>;
    try {
      map = (JSON.parse(fs.readFileSync(index, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
      if (!map || typeof map !== 'object') throw new Error('no weight_map');
    } catch (e) {
      throw new Error(`${index}: invalid safetensors index (${(e as Error).message})`);
    }
    const tensors = new Map<string, SafeTensor>();
    for (const shard of new Set(Object.values(map))) {
      if (shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) throw new Error(`${index}: shard name "${shard}" is not a plain file name`);
      for (const [k, v] of readSafetensors(path.join(dir, shard)).tensors) tensors.set(k, v);
    }
    return { tensors, source: index };
  }
  refusePickled(dir);
  throw new Error(`${dir}: no model.safetensors (or model.safetensors.index.json) in this directory`);
}

/**
 * Match checkpoint tensors to the parameters `specs` describes, validating names, dtypes and shapes.
 * Embedding and encoder tensors are required (an Error lists the missing ones); heads and the pooler not in
 * the checkpoint are reported as `initialized` (the caller initialises them), as HF does when a pre-trained
 * encoder is loaded for fine-tuning. Returned values are in the HF layout, keyed by canonical name.
 */
export function matchCheckpoint(specs: ParamSpec[], tensors: Map<string, SafeTensor>, source: string): { values: Map<string, Float32Array>; report: LoadReport } {
  const byCanon = new Map<string, { name: string; t: SafeTensor }>();
  for (const [name, t] of tensors) {
    const c = canonicalName(name);
    const prev = byCanon.get(c);
    if (prev) throw new Error(`${source}: tensors "${prev.name}" and "${name}" are the same parameter`);
    byCanon.set(c, { name, t });
  }
  const report: LoadReport = { source, initialized: [], unexpected: [], ignored: [] };
  const values = new Map<string, Float32Array>();
  const missing: string[] = [];
  const used = new Set<string>();
  const find = (s: ParamSpec) => {
    const hit = byCanon.get(s.name);
    if (hit) return { key: s.name, ...hit };
    // the MLM output bias is also saved as the (tied) decoder bias
    if (s.name === 'cls.predictions.bias') {
      const d = byCanon.get('cls.predictions.decoder.bias');
      if (d) return { key: 'cls.predictions.decoder.bias', ...d };
    }
    return null;
  };
  for (const s of specs) {
    const hit = find(s);
    if (!hit) {
      if (s.encoder && !s.name.startsWith('pooler.')) missing.push(s.name);
      else report.initialized.push(s.name);
      continue;
    }
    used.add(hit.key);
    const { t, name } = hit;
    if (t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16' && t.dtype !== 'F64') throw new Error(`${source}: tensor "${name}" has dtype ${t.dtype}; expected a float type`);
    if (t.shape.join() !== s.hfShape.join()) {
      throw new Error(`${source}: tensor "${name}" has shape [${t.shape.join(', ')}], expected [${s.hfShape.join(', ')}] from the config`);
    }
    values.set(s.name, t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array));
  }
  if (missing.length > 0) {
    throw new Error(
      `${source}: ${missing.length} BERT tensor(s) missing, e.g. ${missing.slice(0, 5).map((m) => `"${m}" (or "bert.${m}")`).join(', ')}. ` +
        'Is this a BERT checkpoint matching config.json (num_hidden_layers, vocab_size)?',
    );
  }
  for (const [c, { name }] of byCanon) {
    if (used.has(c)) continue;
    if (IGNORED.some((r) => r.test(c))) report.ignored.push(name);
    else report.unexpected.push(name);
  }
  return { values, report };
}

/** Copy checkpoint tensors into existing parameters (see matchCheckpoint). */
export function assignCheckpoint(params: BertParams, tensors: Map<string, SafeTensor>, source: string): LoadReport {
  const { values, report } = matchCheckpoint(params.specs, tensors, source);
  for (const s of params.specs) {
    const v = values.get(s.name);
    if (v) params.setHf(s.name, s.hfShape, v, source);
  }
  return report;
}

export type Architecture = 'BertModel' | 'BertForSequenceClassification' | 'BertForMaskedLM' | 'BertForPreTraining';

/** Write a model directory as HF's save_pretrained: config.json and model.safetensors ({"format": "pt"}). */
export function writeCheckpoint(dir: string, config: BertConfig, params: BertParams, architecture: Architecture, opts: { dtype?: 'F32' | 'F16' } = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  const prefix = architecture === 'BertModel' ? '' : 'bert.';
  const tensors: Record<string, TensorToWrite> = {};
  const values = params.hfValues();
  for (const s of params.specs) {
    const v = values.get(s.name)!;
    tensors[(s.encoder ? prefix : '') + s.name] = { dtype: opts.dtype ?? 'F32', shape: v.shape, data: v.data };
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  const cfg = { ...config, architectures: [architecture], model_type: 'bert', torch_dtype: opts.dtype === 'F16' ? 'float16' : 'float32' };
  writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
}

export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export function readDirectoryConfig(dir: string): BertConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${dir}: no config.json`);
  return readBertConfig(file);
}
