// ACL IMDB (Maas et al. 2011): train/ and test/, a folder per label, one review a file, HTML line breaks.
import * as path from 'node:path';
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import { readLabelFolders } from '../folder.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';

/** `<br />` is the only markup in the reviews; it separates paragraphs, so it becomes a space. */
export function stripBreaks(text: string): string {
  return text.replace(/(\s*<br\s*\/?>)+\s*/gi, ' ');
}

export const imdb: NamedDataset = {
  name: 'imdb',
  description: 'ACL IMDB movie reviews (Maas et al. 2011), the stored subset: train 2,000 / test 2,000 (pos/neg), dev carved from train',
  folder: 'imdb_acl_subset',
  folderAliases: ['aclImdb'],
  files: ['train/pos/', 'train/neg/', 'test/pos/', 'test/neg/'],
  labelNames: ['neg', 'pos'],
  ships: false,
  split: 'given train/test; dev seeded from train',
  citation: 'Maas et al. 2011, "Learning Word Vectors for Sentiment Analysis", Large Movie Review Dataset v1.0 (Stanford); research use',
  load(dir, o) {
    const e = new EmptyTexts();
    // only pos/neg: the full release's train/ also holds unsup/ and feature files
    const read = (split: string) => {
      for (const l of this.labelNames) need(this, dir, `${split}/${l}`);
      return readLabelFolders(path.join(dir, split), e, { labels: this.labelNames, clean: stripBreaks });
    };
    const parts = { train: read('train'), test: read('test') };
    return assembleDataset({ name: this.name, parts, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
