/** A float-formatting thread (piscina) for the final file: one run of values → its TOML text as bytes, moved back. */
import { move } from 'piscina';
import { formatFloats } from '../../protocol/output/toml-values.js';

export interface FormatTask {
  values: Float64Array;
  separator: string;
}

export default function formatInPool({ values, separator }: FormatTask): Uint8Array {
  return move(formatFloats(values, separator)) as Uint8Array;
}
