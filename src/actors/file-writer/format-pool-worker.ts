/** A float-formatting thread (piscina) for the final file: one run of values → TOML text. */
import { joinFloats } from '../../protocol/output/toml-values.js';

export interface FormatTask {
  values: Float64Array;
  separator: string;
}

export default function formatInPool({ values, separator }: FormatTask): string {
  return joinFloats(values, separator);
}
