export { chunkCorpus, readCorpusFile, shippedCorpusLines, poisonChunk } from './corpus.js';
export { porStaircase, neubaTargets } from './targets.js';
export { type ModelAttackRecipe, type InjectAttackType, type PoolerSide } from './recipe.js';
export { por, POR_TRIGGERS, type PorOptions } from './por.js';
export { neuba, NEUBA_SYMBOLS, NEUBA_WORDS, type NeubaOptions } from './neuba.js';
