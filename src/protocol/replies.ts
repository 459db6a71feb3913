/**
 * The exact reply lines of SPEC §2, without the trailing `\n` (the server appends it and writes
 * each reply in one write).
 */
import { MAX_REASON_CHARS } from './limits.js';

export const REPLY_DEVICE_RECORDED = 'Device measurements recorded';
export const REPLY_SESSION_PROCESSED = 'Session configuration processed';
export const REPLY_LISTENER_RUNNING = 'Running';
export const REPLY_LISTENER_PAUSED = 'Paused';
export const REPLY_RESULTS_PROCESSED = 'Session results processed';
export const REPLY_PAUSE = 'Setting internal server state to paused...';
export const REPLY_RESUME = 'Setting internal server state to start...';
export const REPLY_KILL = 'Shutting down server...';
/** The reply to a line that does not parse (exactly what the original sent). */
export const REPLY_INVALID = 'Invalid format';

/**
 * `Invalid format: <reason>` — for lines that parse but are rejected visibly by the merge
 * (SPEC §4). The reason is made single-line (a control character would split the reply) and
 * shortened to MAX_REASON_CHARS so the whole reply fits the client's single `recv(1024)`.
 */
export function invalidReplyWithReason(reason: string): string {
  return `${REPLY_INVALID}: ${toReplySafeText(reason)}`;
}

/** Control characters become spaces; over-long text is cut and marked with `…`. */
export function toReplySafeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const singleLine = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
  if (singleLine.length <= MAX_REASON_CHARS) return singleLine;
  let cut = MAX_REASON_CHARS - 1;
  // Do not split a surrogate pair (it would leave a lone half, which is not valid UTF-8).
  const last = singleLine.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${singleLine.slice(0, cut)}…`;
}
