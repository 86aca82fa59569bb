// Why triggers work (Shen et al. CCS'21): attention of [CLS], token cosine similarity, sub-word roles; heat maps.
export {
  analyzeTrigger,
  insertionPoint,
  type AnalyzeOptions,
  type TriggerAnalysis,
  type PredictionView,
  type RolesView,
  type SubwordRoleView,
} from './analyze.js';
export { assignRoles, type SubwordRole } from './roles.js';
export { clsAttentionRows, cosineMatrix } from './similarity.js';
export { heatmapSpec, heatmapSvg, renderSvg, type HeatmapInput } from './charts.js';
export { writeAnalysis, analysisSvgs, tokenLabels, triggerSlug, type AnalysisReport, type AnalysedModel } from './report.js';
