// ONNX export of the project's classifiers and inference through onnxruntime-node (docs/onnx.md).
export { exportBertOnnx, type BertExportOptions } from './bert.js';
export { exportCnnOnnx } from './cnn.js';
export { OnnxClassifier, toOnnx, loadOnnxClassifier, exportOnnx, exportOnnxFile, onnxIsFresh, type OnnxOptions } from './classifier.js';
export { loadOrt, importOrt, createSession, ORT_PACKAGE, type SessionOptions } from './runtime.js';
export { GraphBuilder, DataType, OPSET, IR_VERSION, type Attr, type Dim } from './graph.js';
export { Message, varint } from './protobuf.js';
