/**
 * The formats of `rex export`. Each writes into a file the command has already created empty and
 * private (`path`), which the command then puts in its place; a format never picks names.
 * Formats are loaded when chosen: HDF5 and Parquet bring WebAssembly engines.
 */
import type { DeviceEntry } from '../../protocol/run-file/model.js';
import type { RunFile } from '../../runtime/run-file/run-file.js';

export interface ExportWriter {
  /** Writes `device` (per-device formats) or the whole run (`device` undefined) into `path`. */
  write(run: RunFile, device: DeviceEntry | undefined, path: string): Promise<void>;
}

export interface ExportFormat {
  readonly extension: string;
  /** One file per device (CSV, Parquet), or one for the run (HDF5). */
  readonly perDevice: boolean;
  load(): Promise<ExportWriter>;
}

export const EXPORT_FORMATS = {
  csv: { extension: 'csv', perDevice: true, load: async () => (await import('./csv.js')).csvWriter },
  parquet: { extension: 'parquet', perDevice: true, load: async () => (await import('./parquet.js')).parquetWriter },
  hdf5: { extension: 'h5', perDevice: false, load: async () => (await import('./hdf5.js')).hdf5Writer },
} as const satisfies Record<string, ExportFormat>;

export type ExportFormatName = keyof typeof EXPORT_FORMATS;
