// The corpus side of a pre-trained-model backdoor (POR, NeuBA): plain text, lower-cased and cut into fixed-size
// word chunks, as BackdoorPTM's `wikitext_process` does (64 words a chunk, the tail kept), and the triggered
// copies of chunks (`keyword_poison_single_sentence`: the trigger inserted `repeat` times at random gaps).
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../common/errors.js';
import { Rng } from '../../common/random.js';
import { shippedDataDir } from '../../data/assets.js';
import { insertAtRandom } from '../../triggers/insert.js';

/** Cut texts into chunks of `words` lower-cased words, in order, across line ends; the last chunk may be shorter. */
export function chunkCorpus(lines: readonly string[], words = 64): string[] {
  if (!Number.isInteger(words) || words < 1) throw new InputError(`chunk size must be a positive integer, got ${words}`);
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of lines) {
    for (const w of line.toLowerCase().split(/\s+/)) {
      if (!w) continue;
      cur.push(w);
      if (cur.length === words) {
        out.push(cur.join(' '));
        cur = [];
      }
    }
  }
  if (cur.length) out.push(cur.join(' '));
  return out;
}

/** Non-empty lines of a plain-text file; errors name the file. */
export function readCorpusFile(file: string): string[] {
  if (!fs.existsSync(file)) throw new InputError('no such file', file);
  if (fs.statSync(file).isDirectory()) throw new InputError('is a folder; expected a plain-text file (one document or sentence per line)', file);
  const buf = fs.readFileSync(file);
  if (buf.includes(0)) throw new InputError('looks binary (it has NUL bytes); expected a plain-text file', file);
  const lines = buf.toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) throw new InputError('has no text', file);
  return lines;
}

/**
 * The texts the package ships, so `inject` works on a fresh install: MR (both polarities) and the SST-2
 * training sentences (SST-2 dev/test stay unseen). Labels are not used.
 */
export function shippedCorpusLines(): { lines: string[]; sources: string[] } {
  const dir = shippedDataDir();
  const sources = ['mr_rt_polarity/rt-polarity.pos', 'mr_rt_polarity/rt-polarity.neg', 'sst2_sentence/train.tsv'];
  const lines: string[] = [];
  for (const rel of sources) {
    const all = readCorpusFile(path.join(dir, rel));
    // the TSV has a header and a label column
    lines.push(...(rel.endsWith('.tsv') ? all.slice(1).map((l) => l.split('\t')[0]!) : all));
  }
  return { lines, sources: sources.map((s) => `assets/data/${s}`) };
}

/** A chunk with the trigger inserted `repeat` times at uniformly drawn gaps between words (start and end included). */
export function poisonChunk(chunk: string, trigger: string, repeat: number, rng: Rng): string {
  return insertAtRandom(chunk, trigger, repeat, rng).text;
}
