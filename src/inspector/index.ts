// The interactive backdoor inspector: model bundles for the page, the local server and the static export.
export { loadInspectorModel, inspectorModelOf, recordedTriggers, INSPECTOR_MODEL_FORMAT, type InspectorModel, type InspectorModelMeta, type PaletteTrigger } from './model-bundle.js';
export { startInspectorServer, sitePath, type InspectorServer, type InspectorServerOptions } from './server.js';
export { exportSite, modelFiles, pageDir, pageFiles, type ModelRole } from './site.js';
