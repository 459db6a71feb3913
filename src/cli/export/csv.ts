/** PLACEHOLDER: the csv export, to be written. */
import type { ExportWriter } from './formats.js';

export const csvWriter: ExportWriter = {
  async write() {
    throw new Error('csv export is not written yet');
  },
};
