export { scanClassifier, orderCandidates, nearestNeighbors, outlierScore, wordScore, windowAround, insertAt, rankKey, baselineFlip, RANK_RULES, NEIGHBOR_STATS, DEFAULT_RANK, DEFAULT_SCORE_RANK, type RankRule, type NeighborStat, type RankOptions, type InsertAt, type PositionEffect, type ScanSample, type ClassifierScanOptions, type ClassifierCandidate, type ClassifierScanResult } from './classifier-scan.js';
export { scanEncoder, signature, type EncoderScanOptions, type EncoderCandidate, type EncoderScanResult, type EncoderSource, type Placement } from './encoder-scan.js';
export { scanTargetOf, readInputEmbeddings, renderPieces, type ScanTarget } from './target.js';
export { CLASSIFIER_THRESHOLD, ENCODER_THRESHOLD, verdictOf, type Verdict } from './verdict.js';
