// Defenses: input filters (ONION, STRIP, RAP), training-data filters (BKI, CUBE), model repair (fine-pruning).
export { DEFENSE_TYPES, INPUT_FILTERS, DATA_FILTERS, defenseConfigSchema, type DefenseConfig, type DefenseType } from './config.js';
export { thresholdAtFrr, flagAbove, detectionRates, removalQuality, entropyBits, type DetectionRates, type RemovalQuality } from './detection.js';
export { probabilities, type Victim, type InputFilter, type FilteredInputs } from './scoring.js';
export { BigramLm, type NgramLmStats } from './ngram-lm.js';
export { onionSuspicion, onionCorrect, fitOnion } from './onion.js';
export { fitStrip, stripEntropy, stripPerturb, tfidfRanked, type StripOptions } from './strip.js';
export { fitRap, type RapOptions } from './rap.js';
export { rapModelOf, cnnRapModel, bertRapModel, type RapModel, type WordRow, type Scorer } from './rap-models.js';
export { bertLogitsWithWordVector, meanFfnActivations, bertRepresenter, type Representer, type BertRepresentation } from './bert-forward.js';
export { representations, sentenceRepresenter, type SentenceRepresenter, type RepresentationOptions } from './representations.js';
export { bkiFilter, type BkiOptions, type BkiResult } from './bki.js';
export { cubeFilter, reduce, densityClusters, type CubeOptions, type CubeResult } from './cube.js';
export { finePrune, pruneFilters, pruneFfnNeurons, lastLayers, type FinePruningOptions, type FinePruningResult } from './fine-pruning.js';
export { runDefense, fitInputFilter, onionLm, defaultLmCorpus, type DefenseInput, type DefenseMetrics } from './evaluate.js';
