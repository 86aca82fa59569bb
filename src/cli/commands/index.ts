// Registry of CLI commands, in the order `--help` lists them.
import type { Command } from '../command.js';
import { train } from './train.js';
import { predict } from './predict.js';
import { run } from './run.js';
import { poison } from './poison.js';
import { datasets } from './datasets.js';
import { pretrain } from './pretrain.js';
import { exportOnnx } from './export-onnx.js';
import { inject } from './inject.js';
import { triggerMetricsCommand } from './trigger-metrics.js';
import { schema } from './schema.js';
import { analyze } from './analyze.js';
import { inspect } from './inspect.js';
import { worker } from './worker.js';
import { report } from './report.js';
import { defend } from './defend.js';
import { scan } from './scan.js';

export const commands: Command[] = [train, predict, run, poison, pretrain, inject, triggerMetricsCommand, analyze, inspect, datasets, exportOnnx, schema, worker, report, defend, scan];
