export { wordTokenize, cleanStr, type WordTokenizerOptions } from './tokenizer.js';
export { Vocab, PAD, UNK, type VocabBuildOptions } from './vocab.js';
export {
  WordVectors,
  loadTextVectors,
  loadBinaryVectors,
  writeBinaryVectors,
  loadSafetensorsVectors,
  loadDefaultVectors,
  defaultVectorsPath,
  loadVectors,
  embeddingMatrix,
  DEFAULT_VECTORS,
  BINARY_VECTORS_FORMAT,
  type BinaryVectorsHeader,
  type TextVectorsOptions,
  type EmbeddingInit,
} from './vectors.js';
export * from './wordpiece.js';
