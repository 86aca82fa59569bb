export { predictedLabels, goldLabels, trueLabel, type Predictions, type Gold } from './predictions.js';
export { accuracy, cacc, asr, type AsrGoal } from './metrics.js';
export {
  splitTable,
  groupByTriggerKind,
  renderSplitTable,
  type SplitTable,
  type SplitRow,
  type SplitCell,
  type PredictedSet,
  type SplitTableOptions,
} from './split-table.js';
export { summarize, formatSummary, tQuantile, tCdf, type Summary } from './summarize.js';
export {
  confusionMatrix,
  classReport,
  renderConfusionMatrix,
  type ConfusionMatrix,
  type ClassMetrics,
  type ClassReport,
} from './confusion.js';
export {
  triggerMetrics,
  summarizeFlips,
  addedShare,
  checkMetricTrigger,
  type TriggerMetric,
  type TriggerMetricsOptions,
} from './trigger-metrics.js';
