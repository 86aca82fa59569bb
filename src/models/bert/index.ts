export * from './config.js';
export * from './modeling.js';
export * from './mask-tokens.js';
export { canonicalName, readCheckpoint, refusePickled, CONVERT_HINT, type LoadReport, type Architecture } from './checkpoint.js';
export { paramSpecs, type ParamSpec, type Head } from './params.js';
export { geluErf, geluTanh, tanhViaSigmoid, dropout, layerNorm, extendedAttentionMask, FLOAT32_MIN } from './ops.js';
