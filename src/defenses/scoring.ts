// What the input filters need from a victim: class probabilities for raw texts, from either engine (a tfjs
// TextClassifier, or an OnnxClassifier for batched BERT inference: models/onnx).
import { predictTextsAsync, type TextClassifier, type AsyncLogitsClassifier } from '../models/classifier.js';

export type Victim = TextClassifier | AsyncLogitsClassifier;

/** Class probabilities of texts, rows in input order. */
export async function probabilities(clf: Victim, texts: string[], batchSize = 100): Promise<number[][]> {
  return (await predictTextsAsync(clf, texts, batchSize)).map((p) => p.probs);
}

/** What an input filter returns for a batch of inputs. */
export interface FilteredInputs {
  /** the suspicion score of each input (higher: more suspicious) */
  scores: number[];
  /** inputs the filter rejects (score above the threshold) */
  flagged: boolean[];
  /** the texts the victim then sees: ONION's corrected texts, the inputs themselves for detectors */
  texts: string[];
}

/** An input filter calibrated on clean validation data. */
export interface InputFilter {
  readonly name: string;
  /** suspicion scores above this are flagged */
  readonly threshold: number;
  /** the false-rejection rate the threshold was chosen at */
  readonly frr: number;
  /** what the filter learned or was set up with (the LM's size, RAP's word and its probability drop, ...) */
  readonly info: Record<string, unknown>;
  apply(texts: string[]): Promise<FilteredInputs>;
  /** free what the filter holds beyond the victim (RAP's onnxruntime sessions); apply fails afterwards */
  release?(): Promise<void>;
}
