// TweetEval (Barbieri et al., Findings of EMNLP 2020): tweet classification tasks released as aligned line files,
// <task>/{train,val,test}_text.txt with <task>/{train,val,test}_labels.txt (one label index a line) and
// <task>/mapping.txt ("index<TAB>name"). Read from a clone of github.com/cardiffnlp/tweeteval (its datasets/
// folder), laid out under a data dir as tweeteval/<task>/... The release has empty tweets (8 in hate's train file),
// a property of the files rather than a user's mistake: they are dropped and counted in Dataset.warnings.
import { InputError } from '../../common/errors.js';
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import type { RawExample } from '../raw.js';
import { readText, splitLines } from '../read-text.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';

/** Lines of a line-per-record file, the final newline not starting another record. */
function records(file: string): { text: string; line: number }[] {
  return splitLines(readText(file, 'utf8'));
}

/**
 * mapping.txt must name the labels the loader expects, in order: a different file is a different release. A row
 * is "index<TAB>name" (emoji: "index<TAB>emoji<TAB>_name_<TAB>", whose last field, without the underscores, is
 * the name).
 */
function checkMapping(file: string, labelNames: readonly string[]): void {
  const rows = records(file).filter((l) => l.text.trim() !== '');
  rows.forEach((l, i) => {
    const f = l.text.split('\t').map((x) => x.trim()).filter((x) => x !== '');
    if (f.length < 2 || !/^\d+$/.test(f[0]!)) throw new InputError('expected "index<TAB>label name"', file, l.line);
    const name = f[f.length - 1]!.replace(/^_+|_+$/g, '');
    if (Number(f[0]) !== i || name !== labelNames[i]) {
      throw new InputError(`expected label ${i} to be "${labelNames[i] ?? '(none)'}", found ${f[0]} "${name}" (labels of this task: ${labelNames.join(', ')})`, file, l.line);
    }
  });
  if (rows.length !== labelNames.length) throw new InputError(`expected ${labelNames.length} labels (${labelNames.join(', ')}), found ${rows.length}`, file);
}

/** One split: the text file's line i has the label on the label file's line i. */
function readSplit(textFile: string, labelFile: string, labelNames: readonly string[], e: EmptyTexts): RawExample[] {
  const texts = records(textFile);
  const labels = records(labelFile);
  if (texts.length !== labels.length) {
    throw new InputError(`${texts.length} texts but ${labels.length} labels in ${labelFile}: the files must have one line per tweet, in the same order`, textFile);
  }
  const out: RawExample[] = [];
  texts.forEach((t, i) => {
    const v = labels[i]!.text.trim();
    if (!/^\d+$/.test(v) || Number(v) >= labelNames.length) {
      throw new InputError(`expected a label index 0-${labelNames.length - 1} (${labelNames.join(', ')}), found "${v}"`, labelFile, labels[i]!.line);
    }
    const raw = e.example(t.text, labelNames[Number(v)]!, textFile, t.line);
    if (raw) out.push(raw);
  });
  return out;
}

/**
 * A TweetEval task in `folder` (relative to the tweeteval root); `mapping` is where its mapping.txt lies relative
 * to that folder (the stance targets share stance/mapping.txt).
 */
function tweetEval(name: string, folder: string, labelNames: readonly string[], sizes: string, mapping = 'mapping.txt'): NamedDataset {
  const files = ['train_text.txt', 'train_labels.txt', 'val_text.txt', 'val_labels.txt', 'test_text.txt', 'test_labels.txt', mapping];
  return {
    name: `tweeteval-${name}`,
    description: `TweetEval ${name} (${labelNames.length > 6 ? `${labelNames.length} labels` : labelNames.join(' / ')}), ${sizes}`,
    folder: `tweeteval/${folder}`,
    folderAliases: [`datasets/${folder}`, `tweeteval/datasets/${folder}`, folder],
    files,
    labelNames,
    ships: false,
    split: 'given train/val/test',
    citation: `Barbieri et al. 2020, TweetEval (github.com/cardiffnlp/tweeteval), task "${name}"; released without restrictions by TweetEval, the original task's licence and Twitter's terms apply`,
    load(dir, o) {
      const e = new EmptyTexts(true);
      checkMapping(need(this, dir, mapping), labelNames);
      const read = (s: string) => readSplit(need(this, dir, `${s}_text.txt`), need(this, dir, `${s}_labels.txt`), labelNames, e);
      const parts = { train: read('train'), dev: read('val'), test: read('test') };
      return assembleDataset({ name: this.name, parts, labelNames: this.labelNames, provenance: provenanceOf(this, dir), warnings: e.warnings(), ...o });
    },
  };
}

const EMOJI = [
  'red_heart', 'smiling_face_with_hearteyes', 'face_with_tears_of_joy', 'two_hearts', 'fire', 'smiling_face_with_smiling_eyes',
  'smiling_face_with_sunglasses', 'sparkles', 'blue_heart', 'face_blowing_a_kiss', 'camera', 'United_States', 'sun', 'purple_heart',
  'winking_face', 'hundred_points', 'beaming_face_with_smiling_eyes', 'Christmas_tree', 'camera_with_flash', 'winking_face_with_tongue',
];
const STANCE = ['none', 'against', 'favor'];

export const tweetEvalEmotion = tweetEval('emotion', 'emotion', ['anger', 'joy', 'optimism', 'sadness'], 'train 3,257 / val 374 / test 1,421');
export const tweetEvalHate = tweetEval('hate', 'hate', ['not-hate', 'hate'], 'train 9,000 / val 1,000 / test 2,970');
export const tweetEvalIrony = tweetEval('irony', 'irony', ['non_irony', 'irony'], 'train 2,862 / val 955 / test 784');
export const tweetEvalSentiment = tweetEval('sentiment', 'sentiment', ['negative', 'neutral', 'positive'], 'train 45,615 / val 2,000 / test 12,284');
export const tweetEvalEmoji = tweetEval('emoji', 'emoji', EMOJI, 'train 45,000 / val 5,000 / test 50,000');
export const tweetEvalStance = ['abortion', 'atheism', 'climate', 'feminist', 'hillary'].map((t) =>
  tweetEval(`stance-${t}`, `stance/${t}`, STANCE, 'SemEval-2016 task 6, a few hundred tweets per split', '../mapping.txt'),
);
