/**
 * A restarted ingest worker rebuilds what decides its replies from the journal: channel units and
 * shapes, the pause flag, whether a session arrived — and the replies of lines that were journaled
 * after the last bytes the socket front saw consumed, so re-sent lines are answered, not re-journaled.
 */
import { createDeviceRegistry } from '../../protocol/merge.js';
import { decideAtOnce, outlinesOf } from './outlined-device.js';
import { parseLineBody } from '../../runtime/journal/line-body.js';
import {
  REPLY_DEVICE_RECORDED,
  REPLY_INVALID,
  REPLY_PAUSE,
  REPLY_RESULTS_PROCESSED,
  REPLY_RESUME,
  REPLY_SESSION_PROCESSED,
  invalidReplyWithReason,
} from '../../protocol/replies.js';
import { formatRexTimestamp } from '../../protocol/timestamps.js';
import { LineKind, RecordType, decodeRejectedBody, type JournalRecord } from '../../runtime/journal/codec.js';
import { JournalReader } from '../../runtime/journal/reader.js';
import { JournalWriter, type JournalWriterOptions } from '../../runtime/journal/writer.js';
import { REJECTED_VISIBLY, type IngestRunState } from './ingest-core.js';

export function freshRunState(journal: JournalWriter | null = null): IngestRunState {
  return { journal, devices: createDeviceRegistry(), paused: false, sessionSeen: false, journaledReplies: new Map() };
}

/**
 * Reopens `journalPath` for appending and replays it. `consumedOffsets`: per connection, the
 * stream offset the socket front still holds bytes from (everything before it was answered).
 */
export function restoreRunState(
  journalPath: string,
  consumedOffsets: Map<number, number>,
  options: JournalWriterOptions = {},
): IngestRunState {
  const journal = JournalWriter.reopen(journalPath, options);
  const state = freshRunState(journal);
  const reader = new JournalReader(journalPath);
  try {
    for (const record of reader.readAll()) {
      replay(state, record);
      const consumed = consumedOffsets.get(record.connId);
      if (record.connId !== 0 && consumed !== undefined && Number(record.streamOffset) > consumed) {
        const reply = replyOf(record);
        if (reply !== undefined) {
          let replies = state.journaledReplies.get(record.connId);
          if (!replies) {
            replies = new Map();
            state.journaledReplies.set(record.connId, replies);
          }
          replies.set(Number(record.streamOffset), reply);
        }
      }
    }
  } finally {
    reader.close();
  }
  return state;
}

function replay(state: IngestRunState, record: JournalRecord): void {
  if (record.type === RecordType.Pause) state.paused = record.flags === 1;
  if (record.type !== RecordType.Line) return;
  if (record.flags === LineKind.Session) state.sessionSeen = true;
  if (record.flags !== LineKind.Device) return;
  const parsed = parseLineBody(record.body);
  if (parsed.kind !== 'device') return;
  // Decided as the ingest decides, in place: replaying costs what each line holds, not what its device holds.
  const merge = decideAtOnce(state.devices, outlinesOf(parsed.message), formatRexTimestamp(record.arrivalNs));
  if (merge.rejection === null) merge.commit();
}

function replyOf(record: JournalRecord): string | undefined {
  switch (record.type) {
    case RecordType.Pause:
      return record.flags === 1 ? REPLY_PAUSE : REPLY_RESUME;
    case RecordType.Rejected:
      return record.flags === REJECTED_VISIBLY ? invalidReplyWithReason(decodeRejectedBody(record.body).reason) : REPLY_INVALID;
    case RecordType.Line:
      if (record.flags === LineKind.Device) return REPLY_DEVICE_RECORDED;
      if (record.flags === LineKind.Session) return REPLY_SESSION_PROCESSED;
      if (record.flags === LineKind.Result) return REPLY_RESULTS_PROCESSED;
      return undefined;
    default:
      return undefined;
  }
}
