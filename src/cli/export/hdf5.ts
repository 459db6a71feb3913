/** PLACEHOLDER: the hdf5 export, to be written. */
import type { ExportWriter } from './formats.js';

export const hdf5Writer: ExportWriter = {
  async write() {
    throw new Error('hdf5 export is not written yet');
  },
};
