// `nlp-backdoor inspect`: the interactive backdoor inspector (src/inspector, docs/inspector.md). Serves the
// page and the named models on 127.0.0.1 (or --host) until Ctrl-C, or writes the same page as a static site.
import * as path from 'node:path';
import type { Command } from '../command.js';
import { list, num, requireStr, str, UsageError } from '../args.js';
import { classifierKindOf } from '../../models/classifier.js';
import { exportSite, loadInspectorModel, pageFiles, startInspectorServer, recordedTriggers, triggersFromFile, type InspectorModel, type ModelRole, type PaletteTrigger } from '../../inspector/index.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'interactive backdoor inspector in the browser: type a sentence, insert triggers, see prediction, attention and influence',
  usage: '--model DIR [--compare DIR] [--trigger TEXT ...] [--triggers FILE ...] [--port N] [--host H] [--export DIR]',
  flags: {
    model: { type: 'string', description: 'model directory: SentenceCNN or BERT classifier, or a bare BERT encoder (shows its pooled output)' },
    compare: { type: 'string', description: 'a second model (e.g. the clean one) shown side by side' },
    trigger: { type: 'list', description: 'a trigger for the palette (repeatable; backdoor.json triggers are added by themselves)' },
    triggers: { type: 'list', description: 'triggers for the palette from a file (repeatable): backdoor.json, a trigger-metrics result, an experiment file' },
    port: { type: 'string', description: 'port to serve on', default: '8765' },
    host: { type: 'string', description: 'address to bind (default 127.0.0.1: this machine only)', default: '127.0.0.1' },
    'max-length': { type: 'string', description: 'BERT: longest token sequence, as predict', default: '128' },
    export: { type: 'string', description: 'write the page and models as a static site into DIR instead of serving' },
  },
  details: 'The model runs in the page (onnxruntime-web, WebAssembly); the server only hands out the page and the models. docs/inspector.md says how to host an export.',
  async run(args) {
    const dirs: [ModelRole, string][] = [['main', requireStr(args, 'model')]];
    const compare = str(args, 'compare');
    if (compare) dirs.push(['compare', compare]);
    const port = num(args, 'port', { int: true, min: 0, max: 65535 })!;
    const host = str(args, 'host')!;
    const maxLength = num(args, 'max-length', { int: true, min: 2 })!;
    const out = str(args, 'export');
    const typed = list(args, 'trigger');
    if (typed.some((t) => t.trim() === '')) throw new UsageError('--trigger needs a non-empty text');
    const triggers: (string | PaletteTrigger)[] = [...typed, ...list(args, 'triggers').flatMap(triggersFromFile)];
    // cheap checks first: each directory is a model and its backdoor.json parses; the page is built
    pageFiles();
    for (const [, d] of dirs) {
      classifierKindOf(d);
      recordedTriggers(d);
    }
    const server = out ? null : await startInspectorServer({ port, host });
    const models: Partial<Record<ModelRole, InspectorModel>> = {};
    for (const [role, d] of dirs) models[role] = await loadInspectorModel(d, { maxLength, triggers: role === 'main' ? triggers : [] });
    if (out) {
      const files = exportSite(out, models);
      console.error(`${path.join(out, 'index.html')}: ${files.length} files; host the folder with any static web server (docs/inspector.md)`);
      return 0;
    }
    server!.setModels(models);
    // listening for Ctrl-C before saying where the page is: whoever reads the line may stop us at once
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    console.error(`inspector: ${server!.url}  (Ctrl-C to stop)`);
    await stopped;
    await server!.close();
    return 0;
  },
};
