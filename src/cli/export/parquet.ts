/** PLACEHOLDER: the parquet export, to be written. */
import type { ExportWriter } from './formats.js';

export const parquetWriter: ExportWriter = {
  async write() {
    throw new Error('parquet export is not written yet');
  },
};
