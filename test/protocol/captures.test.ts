// Real wire traffic of the official client (reference/captures/*.log): every `>>` line must parse
// to the kind its `<<` reply implies. Format: `<client port> >> <line>` then `<client port> << <reply>`.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/protocol/parse.js';
import type { ParsedLine } from '../../src/protocol/messages.js';
import {
  REPLY_DEVICE_RECORDED,
  REPLY_INVALID,
  REPLY_KILL,
  REPLY_LISTENER_PAUSED,
  REPLY_LISTENER_RUNNING,
  REPLY_PAUSE,
  REPLY_RESULTS_PROCESSED,
  REPLY_RESUME,
  REPLY_SESSION_PROCESSED,
} from '../../src/protocol/replies.js';

// A copy of shared/reference kept in the repository (test/fixtures/reference/README.md).
const CAPTURES_DIR = fileURLToPath(new URL('../fixtures/reference/captures/', import.meta.url));

/** What a reply says about the request's kind. */
function kindImpliedBy(reply: string): string {
  switch (reply) {
    case REPLY_DEVICE_RECORDED:
      return 'device';
    case REPLY_SESSION_PROCESSED:
      return 'session';
    case REPLY_LISTENER_RUNNING:
    case REPLY_LISTENER_PAUSED:
      return 'listener';
    case REPLY_RESULTS_PROCESSED:
      return 'result';
    case REPLY_PAUSE:
      return 'command:PAUSE_STATE';
    case REPLY_RESUME:
      return 'command:RESUME_STATE';
    case REPLY_KILL:
      return 'command:KILL';
    default:
      if (reply === REPLY_INVALID || reply.startsWith(`${REPLY_INVALID}:`)) return 'invalid';
      if (reply.startsWith('{')) return 'command:GET_DATASTREAM|STATE';
      throw new Error(`unexpected reply in capture: ${reply}`);
  }
}

function kindOf(parsed: ParsedLine): string {
  if (parsed.kind !== 'command') return parsed.kind;
  if (parsed.command === 'GET_DATASTREAM' || parsed.command === 'STATE') return 'command:GET_DATASTREAM|STATE';
  return `command:${parsed.command}`;
}

interface Exchange {
  file: string;
  lineNo: number;
  request: string;
  reply: string;
}

function readExchanges(file: string): Exchange[] {
  const pending = new Map<string, { request: string; lineNo: number }>();
  const exchanges: Exchange[] = [];
  readFileSync(`${CAPTURES_DIR}${file}`, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const match = /^(\d+) (>>|<<) (.*)$/.exec(text);
      if (!match) return;
      const [, port, direction, payload] = match as unknown as [string, string, string, string];
      if (direction === '>>') {
        pending.set(port, { request: payload.trim(), lineNo: index + 1 });
        return;
      }
      const sent = pending.get(port);
      if (!sent) throw new Error(`${file}:${index + 1}: reply without a request`);
      pending.delete(port);
      exchanges.push({ file, lineNo: sent.lineNo, request: sent.request, reply: payload });
    });
  return exchanges;
}

const files = readdirSync(CAPTURES_DIR)
  .filter((name) => name.endsWith('.log'))
  .sort();
const exchanges = files.flatMap(readExchanges);

describe('reference captures', () => {
  it('are present and non-trivial', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(exchanges.length).toBeGreaterThanOrEqual(30);
  });

  it.each(exchanges.map((e) => [`${e.file}:${e.lineNo}`, e] as const))('%s parses to the kind its reply implies', (_where, exchange) => {
    expect(kindOf(parseLine(exchange.request))).toBe(kindImpliedBy(exchange.reply));
  });

  it('the official client’s 20-point flat traces arrive as Single with 20 values', () => {
    const trace = exchanges.find((e) => e.request.includes('"trace (signal)"'));
    const parsed = parseLine(trace!.request);
    if (parsed.kind !== 'device') throw new Error('expected device');
    const channel = parsed.message.channels.find((c) => c.name === 'trace (signal)');
    expect(channel?.data.shape).toBe('single');
    if (channel?.data.shape === 'single') expect(channel.data.values).toHaveLength(20);
  });
});
