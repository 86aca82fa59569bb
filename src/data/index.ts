// Public API of the dataset layer.
export type { Example, Dataset, SplitInfo, TriggerInsertion } from './types.js';
export { loadNamedDataset, knownDatasets, type NamedDatasetOptions } from './named.js';
export type { DatasetInfo } from './datasets/dataset.js';
export { loadFileDataset, inferFormat, FILE_FORMATS, type FileDatasetOptions, type FileFormat } from './file.js';
export { loadDatasetSpec, type DatasetSpec, type NamedDatasetSpec, type FileDatasetSpec } from './spec.js';
export { stratifiedSplit, DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, DEFAULT_DEV_FRACTION, type SplitFractions, type SplitParts } from './split.js';
export { parseCsv, type Row } from './csv.js';
export { parseTsv } from './tsv.js';
export { decodeText, readText, splitLines, type TextEncoding, type TextLine } from './read-text.js';
export { sortLabels } from './labels.js';
export { shippedDataDir, packageRoot } from './assets.js';
export { examplesDigest, datasetDigest } from './digest.js';
