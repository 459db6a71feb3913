/** A float-formatting thread (piscina) for the final file: one run of values → TOML text. */
import { type FloatStyle, joinFloats } from '../../protocol/output/toml-values.js';

export interface FormatTask {
  values: Float64Array;
  separator: string;
  style: FloatStyle;
}

export default function formatInPool({ values, separator, style }: FormatTask): string {
  return joinFloats(values, separator, style);
}
