// SMS Spam Collection v.1 (Almeida, Gómez Hidalgo & Yamakami 2011): "label<TAB>message", no header.
import { InputError } from '../../common/errors.js';
import { assembleDataset } from '../assemble.js';
import { EmptyTexts } from '../empty-text.js';
import type { RawExample } from '../raw.js';
import { readText, splitLines } from '../read-text.js';
import { need, provenanceOf, type NamedDataset } from './dataset.js';

export const sms: NamedDataset = {
  name: 'sms',
  description: 'SMS Spam Collection, 5,574 messages (4,827 ham / 747 spam); no split, so a seeded stratified split',
  folder: 'sms_spam',
  files: ['SMSSpamCollection'],
  labelNames: ['ham', 'spam'],
  ships: false,
  split: 'seeded (test 0.1, dev 0.1 of the rest)',
  citation: 'Almeida, Gómez Hidalgo & Yamakami 2011, SMS Spam Collection v.1; free to use with attribution (see its readme)',
  load(dir, o) {
    const e = new EmptyTexts();
    const file = need(this, dir, 'SMSSpamCollection');
    const train: RawExample[] = [];
    for (const l of splitLines(readText(file))) {
      if (l.text === '') continue;
      // the label is the first field; a message could itself hold a tab
      const tab = l.text.indexOf('\t');
      if (tab < 0) throw new InputError('expected "label<TAB>message"', file, l.line);
      const raw = e.example(l.text.slice(tab + 1), l.text.slice(0, tab).trim(), file, l.line);
      if (raw) train.push(raw);
    }
    return assembleDataset({ name: this.name, parts: { train }, labelNames: this.labelNames, provenance: provenanceOf(this, dir), ...o });
  },
};
