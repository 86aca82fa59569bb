// Sentence representations of a victim for the training-data filters (BKI, CUBE): the SentenceCNN's pooled
// filter features, the space its dense layer separates the labels in (OpenBackdoor uses the [CLS] state).
import type { TextClassifier } from '../models/classifier.js';
import { CnnClassifier } from '../models/classifier.js';
import { InputError } from '../common/errors.js';
import { cnnFeatures } from './cnn-forward.js';

export function representations(clf: TextClassifier, texts: string[]): Float32Array[] {
  if (!(clf instanceof CnnClassifier)) throw new InputError(`the training-data filters are implemented for SentenceCNN victims, not ${clf.kind}`);
  return cnnFeatures(clf.model, texts.map((t) => clf.encode(t)));
}
