/** A float-formatting thread (piscina) for the final file: one run of values → its TOML text as bytes, moved back. */
import { move } from 'piscina';
import { formatFloats } from '../../protocol/output/toml-values.js';
import { nameThisThread } from '../../runtime/thread-name.js';

nameThisThread('format-pool');

export interface FormatTask {
  values: Float64Array;
  separator: string;
  /** Runs settled so far ([0], shared with the file-writer): counted up as each is formatted here. */
  settled: Int32Array;
}

export default function formatInPool({ values, separator, settled }: FormatTask): Uint8Array {
  const bytes = formatFloats(values, separator);
  Atomics.add(settled, 0, 1);
  return move(bytes) as Uint8Array;
}
