/**
 * Axis ranges, "nice" tick values (1, 2, 5 × 10^k) and their labels. Pure.
 */

export interface AxisScale {
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/**
 * A scale covering [lo, hi] with about `targetTicks` ticks on round numbers. A flat range is
 * widened around its value so a constant signal sits mid-axis. An `integer` axis (a sample index)
 * has whole-number ticks only: a short series is not labelled 0.5, 1.5, ….
 */
export function niceScale(lo: number, hi: number, targetTicks: number, integer = false): AxisScale {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceScale(0, 1, targetTicks, integer);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 || integer ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const count = Math.max(2, Math.floor(targetTicks));
  const raw = niceStep((hi - lo) / (count - 1));
  // 2.5 is the one nice step that is not whole: 2 instead (a tick more than asked).
  const step = integer ? Math.max(1, raw === 2.5 ? 2 : raw) : raw;
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(cleanZero(min + i * step, step));
  return { min, max, step, ticks };
}

/** The smallest of 1, 2, 2.5, 5, 10 × 10^k that is ≥ `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const exponent = Math.floor(Math.log10(raw));
  const base = 10 ** exponent;
  const fraction = raw / base;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * base;
}

/**
 * A tick label: as many decimals as the step needs (so neighbours differ), scientific notation for
 * very large or very small magnitudes, never "-0".
 */
export function formatTick(value: number, step: number): string {
  const v = cleanZero(value, step);
  const magnitude = Math.max(Math.abs(v), Math.abs(step));
  if (magnitude >= 1e6 || (magnitude !== 0 && magnitude < 1e-3)) {
    // Mantissa decimals: how many decades the step sits below the magnitude.
    const digits = Math.floor(Math.log10(magnitude) + 1e-9) - Math.floor(Math.log10(step) + 1e-9) + (isQuarter(step) ? 1 : 0);
    return v === 0 ? '0' : v.toExponential(Math.max(0, Math.min(6, digits)));
  }
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9) + (isQuarter(step) ? 1 : 0)));
  return Number(v.toFixed(decimals)).toFixed(decimals);
}

/** A value shown on its own (status lines): 4 significant digits, compact. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

function isQuarter(step: number): boolean {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return Math.abs(mantissa - 2.5) < 1e-9;
}

/** Float noise around zero (e.g. 0.1 + 0.2 - 0.3) becomes an exact zero. */
function cleanZero(value: number, step: number): number {
  return Math.abs(value) < Math.abs(step) * 1e-9 ? 0 : value;
}
