// Trigger search in a pre-trained BERT encoder without a head (issue 10). A POR or NeuBA backdoor (Shen et
// al. CCS'21; Zhang et al. 2021; src/attacks/pretrained) trains the pooled output of triggered text to a
// predefined vector: whatever the context, a trigger drives the representation to one point far from where
// clean text lands. The scan measures that signature for vocabulary pieces and short piece sequences:
//   shift    = ‖mean(triggered) − mean(clean)‖ / clean spread   (how far it moves the representation)
//   collapse = 1 − spread(triggered) / clean spread               (how little the context still matters)
// with spread = sqrt(Σ_d var_d) over the contexts. Score = shift · max(collapse, 0). A sweep of every piece on
// a few short contexts ranks the vocabulary; a beam extends the best pieces to 2–3 piece sequences (POR's
// name triggers are several pieces: "la ##gra ##nge"); the best are measured on every context.
import { tf } from '../../engine/index.js';
import { BertModel } from '../../models/bert/index.js';
import { padBertBatch } from '../../models/bert/batch.js';
import { WordPieceTokenizer } from '../../text/wordpiece.js';
import { Rng } from '../../common/random.js';
import { renderPieces } from './target.js';

export interface EncoderScanOptions {
  seed: number;
  /** shortest contexts the sweep inserts every piece into (default 4) */
  probes?: number;
  /** pieces kept by the sweep and extended by the beam (default 8) */
  beam?: number;
  /** longest piece sequence the beam builds (default 3) */
  maxPieces?: number;
  batchSize?: number;
  top?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface EncoderCandidate {
  trigger: string;
  ids: number[];
  shift: number;
  collapse: number;
  score: number;
  /** mean cosine similarity of the triggered representations to their mean */
  consistency: number;
}

export interface EncoderScanResult {
  score: number;
  representation: 'pooler' | 'cls';
  candidates: EncoderCandidate[];
  stats: { contexts: number; swept: number; forward_passes: number; seconds: number };
}

/** Representations [n, H] of id sequences: the pooler output when the checkpoint has a pooler, else the [CLS] state. */
function representer(model: BertModel, usePooler: boolean) {
  return (seqs: readonly (readonly number[])[]): Float32Array =>
    tf.tidy(() => {
      const b = padBertBatch(seqs as number[][], model.config);
      const ids = tf.tensor2d(b.inputIds, [b.batchSize, b.seqLen], 'int32');
      const mask = tf.tensor2d(b.attentionMask, [b.batchSize, b.seqLen], 'int32');
      const out = model.forward(ids, mask);
      const rep = usePooler && out.pooledOutput ? out.pooledOutput : tf.squeeze(tf.slice(out.lastHiddenState, [0, 0, 0], [-1, 1, -1]), [1]);
      return rep.dataSync() as Float32Array;
    }) as unknown as Float32Array;
}

function stats(rep: Float32Array, n: number, H: number): { mean: Float64Array; spread: number } {
  const mean = new Float64Array(H);
  for (let i = 0; i < n; i++) for (let d = 0; d < H; d++) mean[d]! += rep[i * H + d]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < H; d++) v += (rep[i * H + d]! - mean[d]!) ** 2 / n;
  return { mean, spread: Math.sqrt(v) };
}

/** shift, collapse and consistency of triggered representations against the clean statistics. */
export function signature(rep: Float32Array, n: number, H: number, clean: { mean: Float64Array; spread: number }): { shift: number; collapse: number; consistency: number } {
  const s = stats(rep, n, H);
  let dist = 0;
  for (let d = 0; d < H; d++) dist += (s.mean[d]! - clean.mean[d]!) ** 2;
  const mn = Math.sqrt(s.mean.reduce((a, x) => a + x * x, 0)) || 1;
  let cos = 0;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let nn = 0;
    for (let d = 0; d < H; d++) {
      dot += rep[i * H + d]! * s.mean[d]!;
      nn += rep[i * H + d]! ** 2;
    }
    cos += dot / ((Math.sqrt(nn) || 1) * mn) / n;
  }
  const spread = clean.spread || 1e-12;
  return { shift: Math.sqrt(dist) / spread, collapse: 1 - s.spread / spread, consistency: cos };
}

export async function scanEncoder(dir: string, contexts: readonly string[], opts: EncoderScanOptions): Promise<EncoderScanResult> {
  const t0 = performance.now();
  const model = await BertModel.load(dir);
  try {
    const tok = WordPieceTokenizer.fromDirectory(dir);
    const usePooler = !(model.loadReport?.initialized ?? []).some((n) => n.startsWith('pooler.'));
    const rep = representer(model, usePooler);
    const H = model.config.hidden_size;
    const bs = opts.batchSize ?? 128;
    const probesN = opts.probes ?? 4;
    const beam = opts.beam ?? 8;
    const maxPieces = opts.maxPieces ?? 3;
    const top = opts.top ?? 10;
    let passes = 0;
    const repsOf = (seqs: number[][]): Float32Array => {
      const out = new Float32Array(seqs.length * H);
      for (let i = 0; i < seqs.length; i += bs) {
        const batch = seqs.slice(i, i + bs);
        out.set(rep(batch), i * H);
        passes += batch.length;
      }
      return out;
    };
    const maxLen = Math.min(64, model.config.max_position_embeddings) - maxPieces;
    const seqs = contexts.map((t) => {
      const ids = Array.from(tok.encode(t, null, { truncation: true, maxLength: maxLen }).ids);
      return ids;
    });
    const rng = new Rng(opts.seed).fork('positions');
    const pos = seqs.map((s) => 1 + rng.int(Math.max(1, s.length - 1)));
    const clean = stats(repsOf(seqs), seqs.length, H);
    const probes = seqs.map((s, i) => ({ s, i })).sort((a, b) => a.s.length - b.s.length || a.i - b.i).slice(0, probesN).map((x) => x.i);
    const insert = (i: number, ids: readonly number[]) => [...seqs[i]!.slice(0, pos[i]), ...ids, ...seqs[i]!.slice(pos[i])];
    const measure = (cands: number[][], on: number[]): EncoderCandidate[] => {
      const batch = cands.flatMap((c) => on.map((i) => insert(i, c)));
      const r = repsOf(batch);
      return cands.map((c, ci) => {
        const sig = signature(r.subarray(ci * on.length * H, (ci + 1) * on.length * H), on.length, H, clean);
        return { trigger: renderPieces(c.map((id) => tok.idToToken[id] ?? '')), ids: c, ...sig, score: sig.shift * Math.max(0, sig.collapse) };
      });
    };

    // sweep: every piece that is not a special token
    const pieces = tok.idToToken.map((_, i) => i).filter((i) => i < model.config.vocab_size && !/^\[[A-Za-z0-9_]+\]$/.test(tok.idToToken[i] ?? '[x]'));
    const swept: EncoderCandidate[] = [];
    const chunk = Math.max(1, Math.floor(1024 / probes.length));
    for (let p0 = 0; p0 < pieces.length; p0 += chunk) {
      swept.push(...measure(pieces.slice(p0, p0 + chunk).map((id) => [id]), probes));
      opts.onProgress?.('sweep', Math.min(pieces.length, p0 + chunk), pieces.length);
    }
    // the shift ranks pieces: one piece of a several-piece trigger moves the representation without collapsing it yet
    const bestPieces = [...swept].sort((a, b) => b.shift - a.shift).slice(0, beam);
    let frontier = bestPieces.map((c) => c.ids);
    const pool: EncoderCandidate[] = [...bestPieces];
    for (let len = 2; len <= maxPieces; len++) {
      const ext = frontier.flatMap((f) => bestPieces.map((p) => [...f, ...p.ids]).filter((c) => new Set(c).size === c.length));
      const m = measure(ext, probes);
      pool.push(...m);
      frontier = m.sort((a, b) => b.score - a.score).slice(0, beam).map((c) => c.ids);
      opts.onProgress?.('beam', len, maxPieces);
    }
    // the best of each length by score, measured on every context
    const byLen = (n: number) => [...new Map(pool.filter((c) => c.ids.length === n).sort((a, b) => b.score - a.score).map((c) => [c.ids.join(','), c])).values()].slice(0, top);
    const finalists = Array.from({ length: maxPieces }, (_, i) => byLen(i + 1)).flat();
    const all = seqs.map((_, i) => i);
    const measured = measure(finalists.map((c) => c.ids), all).sort((a, b) => b.score - a.score);
    // a longer sequence is reported only when it beats every shorter one it contains by 25%: "rm mb tc" and
    // "bb ##ly" are "mb" and "bb" with noise around them, while "la ##gra" → "la ##gra ##nge" completes a word
    const contains = (a: number[], b: number[]) => a.length > b.length && a.some((_, i) => b.every((id, j) => a[i + j] === id));
    const candidates = measured.filter((c) => !measured.some((o) => contains(c.ids, o.ids) && c.score < 1.25 * o.score)).slice(0, top);
    return {
      score: candidates[0]?.score ?? 0,
      representation: usePooler ? 'pooler' : 'cls',
      candidates,
      stats: { contexts: seqs.length, swept: pieces.length, forward_passes: passes, seconds: +((performance.now() - t0) / 1000).toFixed(2) },
    };
  } finally {
    model.dispose();
  }
}
