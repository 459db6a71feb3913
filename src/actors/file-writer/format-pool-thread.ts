/** A float-formatting thread (piscina) for the final file: one run of values → its TOML text as bytes, moved back. */
import { move } from 'piscina';
import { formatFloats } from '../../protocol/output/toml-values.js';

export interface FormatTask {
  values: Float64Array;
  separator: string;
  /** Runs formatted here so far, counted up as each is done ([0]; shared with the file-writer). */
  formatted: Int32Array;
}

export default function formatInPool({ values, separator, formatted }: FormatTask): Uint8Array {
  const bytes = formatFloats(values, separator);
  Atomics.add(formatted, 0, 1);
  return move(bytes) as Uint8Array;
}
