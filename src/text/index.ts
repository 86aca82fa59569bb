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
  loadWinkVectors,
  winkPackageFile,
  vectorsIdentity,
  embeddingMatrix,
  DEFAULT_VECTORS,
  TOP20K_VECTORS,
  NAMED_VECTORS,
  WINK_PACKAGE,
  BINARY_VECTORS_FORMAT,
  type BinaryVectorsHeader,
  type TextVectorsOptions,
  type EmbeddingInit,
} from './vectors.js';
export * from './wordpiece.js';
