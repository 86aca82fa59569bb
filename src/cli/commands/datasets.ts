// `nlp-backdoor datasets`: the named datasets, where they come from, and which ship with the package.
import type { Command } from '../command.js';
import { knownDatasets } from '../../data/index.js';

export const datasets: Command = {
  name: 'datasets',
  summary: 'list the named datasets (and which ship with the package)',
  usage: '',
  flags: {},
  async run() {
    for (const d of knownDatasets) {
      console.log(`${d.name.padEnd(10)} ${d.ships ? 'ships    ' : '--data-dir'} ${d.labelNames.join('/').padEnd(36)} ${d.description}`);
    }
    return 0;
  },
};
