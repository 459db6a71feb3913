// The one results table, as Markdown (pasted as is into bench/RESULTS.md).

/** A number with 3 significant figures, no exponent for the magnitudes used here. */
export function fmt(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (typeof value === 'string') return value;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** rows: [{ scenario, metric, rex, floor, raw, ratio, target }] with values already formatted. */
export function markdownTable(rows) {
  const header = ['scenario', 'metric', 'rex', 'floor', 'raw', 'rex/floor', 'target (issue #6)'];
  const cells = rows.map((r) => [r.scenario, r.metric, r.rex, r.floor, r.raw, r.ratio, r.target ?? ''].map((c) => fmt(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}
