// The interactive backdoor inspector: model bundles for the page, the palette's trigger sources, the local
// server and the static export.
export { loadInspectorModel, inspectorModelOf, INSPECTOR_MODEL_FORMAT, type InspectorModel, type InspectorModelMeta } from './model-bundle.js';
export { recordedTriggers, triggersFromFile, type PaletteTrigger } from './palette.js';
export { startInspectorServer, sitePath, type InspectorServer, type InspectorServerOptions } from './server.js';
export { exportSite, modelFiles, pageDir, pageFiles, type ModelRole } from './site.js';
