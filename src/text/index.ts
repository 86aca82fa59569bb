export { wordTokenize, cleanStr, type WordTokenizerOptions } from './tokenizer.js';
export { Vocab, PAD, UNK, type VocabBuildOptions } from './vocab.js';
export { WordVectors, loadTextVectors, loadSafetensorsVectors, loadDefaultVectors, loadVectors, embeddingMatrix, DEFAULT_VECTORS, type EmbeddingInit } from './vectors.js';
export * from './wordpiece.js';
