/**
 * The notification's body (SPEC §10: an HTML body; the original's said only "Results Attached!"):
 * the session, the run's status, devices and channels with their counts, and the results with
 * pass/fail. Pure: a summary in, HTML and a plain-text alternative out.
 */
import { formatBytes, plural } from '../../protocol/human-units.js';
import type { FileSummary } from './summary.js';
import type { OutputSummary, RunSummary } from './output-scan.js';

export const MAIL_SUBJECT = 'Rex Notification';

export interface MailBody {
  html: string;
  text: string;
}

export interface MailContext {
  /** The output file's path on the machine that ran rex. */
  outputFile: string;
  /** 0-based, as in the run events. */
  loop: number;
  loops: number;
}

/** One line saying how the run ended, e.g. `completed (exit code 0)`. */
export function runStatusText(run: RunSummary): string {
  const exit = run.exitCode !== undefined ? `exit code ${run.exitCode}` : run.exitSignal ? `signal ${run.exitSignal}` : 'no exit status';
  switch (run.status) {
    case 'script-exit':
      return run.exitCode === 0 ? `completed (${exit})` : `script failed (${exit})`;
    case 'kill-command':
      return `ended by a KILL command (${exit})`;
    case 'interrupted':
      return `interrupted (${exit})`;
    case 'validation-failed':
      return `session validation failed${run.validationError ? `: ${run.validationError}` : ''} (data kept)`;
    case 'fatal':
      return 'stopped by a failure inside rex (data kept)';
    case undefined:
      return 'unknown';
    default:
      return run.status;
  }
}

export function renderMailBody(summary: FileSummary, context: MailContext): MailBody {
  const { session, run, devices, results } = summary;
  const title = session.sessionName || 'Untitled session';
  const channelCount = devices.reduce((n, d) => n + d.channels.length, 0);
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  const facts: [string, string][] = [
    ['Status', runStatusText(run)],
    ...(context.loops > 1 ? [['Loop', `${context.loop + 1} of ${context.loops}`] as [string, string]] : []),
    ['Operator', [session.name, session.email ? `<${session.email}>` : ''].filter(Boolean).join(' ') || '—'],
    ['Started', session.startTime || '—'],
    ['Ended', session.endTime || '—'],
    ['Run UUID', session.uuid ?? '—'],
    ...(run.script ? [['Script', run.script] as [string, string]] : []),
    ['Output file', `${context.outputFile} (${formatBytes(summary.fileBytes)}, attached)`],
  ];
  const counts = `${plural(devices.length, 'device')}, ${plural(channelCount, 'channel')}`;
  const resultLine = results.length === 0 ? 'No results.' : `${plural(results.length, 'result')}: ${passed} passed, ${failed} failed.`;

  const html = [
    '<!DOCTYPE html>',
    '<html><body style="font-family: sans-serif; font-size: 14px; color: #222;">',
    `<h2 style="margin-bottom: 0;">Rex Notification: ${esc(title)}</h2>`,
    session.description ? `<p style="margin-top: 4px; color: #555;">${esc(session.description)}</p>` : '',
    table(
      ['', ''],
      facts.map(([k, v]) => [`<b>${esc(k)}</b>`, esc(v)]),
      false,
    ),
    `<h3>Devices</h3><p>${esc(counts)}.</p>`,
    devices.length === 0
      ? ''
      : table(
          ['Device', 'Channel', 'Unit', 'Points'],
          devices.flatMap((d) =>
            d.channels.length === 0
              ? [[esc(d.name), '—', '', '']]
              : d.channels.map((c) => [esc(d.name), esc(c.name), esc(c.unit), esc(pointsText(c.shape, c.count))]),
          ),
        ),
    `<h3>Results</h3><p>${esc(resultLine)}</p>`,
    results.length === 0
      ? ''
      : table(
          ['Result', 'Description', 'Value', 'Bounds', 'Status'],
          results.map((r) => [
            esc(r.name),
            esc(r.description),
            r.value !== undefined ? esc(String(r.value)) : '',
            esc(boundsText(r.lowerBound, r.upperBound)),
            r.passed ? '<b style="color: #1a7f37;">PASS</b>' : '<b style="color: #cf222e;">FAIL</b>',
          ]),
        ),
    skippedNote(summary) ? `<p style="color: #555;">${esc(skippedNote(summary)!)}</p>` : '',
    '<p style="color: #555;">The output file is attached. Sent by rex-daq.</p>',
    '</body></html>',
  ]
    .filter(Boolean)
    .join('\n');

  const text = [
    `Rex Notification: ${title}`,
    ...(session.description ? [session.description] : []),
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    `Devices: ${counts}.`,
    ...devices.flatMap((d) =>
      d.channels.map((c) => `  ${d.name} / ${c.name}${c.unit ? ` (${c.unit})` : ''}: ${pointsText(c.shape, c.count)}`),
    ),
    '',
    `Results: ${resultLine}`,
    ...results.map((r) =>
      `  ${r.passed ? 'PASS' : 'FAIL'} ${r.name}${r.value !== undefined ? ` = ${r.value}` : ''} ${boundsText(r.lowerBound, r.upperBound)}`.trimEnd(),
    ),
    ...(skippedNote(summary) ? ['', skippedNote(summary)!] : []),
    '',
    'The output file is attached.',
  ].join('\n');
  return { html, text };
}

function table(head: string[], rows: string[][], withHead = true): string {
  const cell = 'style="padding: 2px 10px 2px 0; text-align: left; vertical-align: top;"';
  const header = withHead ? `<tr>${head.map((h) => `<th ${cell}>${esc(h)}</th>`).join('')}</tr>` : '';
  const body = rows.map((row) => `<tr>${row.map((c) => `<td ${cell}>${c}</td>`).join('')}</tr>`).join('');
  return `<table style="border-collapse: collapse;">${header}${body}</table>`;
}

function pointsText(shape: 'single' | 'multi', count: number): string {
  return shape === 'multi' ? plural(count, 'trace') : plural(count, 'value');
}

function boundsText(lower: number | undefined, upper: number | undefined): string {
  if (lower === undefined && upper === undefined) return '';
  return `[${lower ?? '−∞'}, ${upper ?? '∞'}]`;
}

function skippedNote(summary: OutputSummary): string | null {
  return summary.skipped.length > 0 ? `Too large to summarise here: ${summary.skipped.join(', ')} (see the attached file).` : null;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything from the script (names, descriptions, units) is text, never markup. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}
