/**
 * Answers too large for one NATS message (docs/fleet.md "Large answers"): the serialized reply is
 * held under a random ref for the asker to pull in parts (`reply_part`). Few are held, and briefly:
 * the oldest goes when a new one would exceed the count or the bytes, and each goes when its last
 * part is taken or when nobody has asked for a part within HELD_MS.
 */
import { randomUUID } from 'node:crypto';
import { ReplyPartRequest, type ControlReply, type StationPart } from '../../protocol/fleet/stations.js';
import { fileError } from '../../runtime/run-file/past-run-answers.js';

/** At most this many answers held at once, of at most MAX_HELD_BYTES together. */
const MAX_HELD = 8;
const MAX_HELD_BYTES = 256 * 1024 * 1024;
/** A held answer nobody asks a part of for this long is dropped. */
const HELD_MS = 30_000;

interface Held {
  bytes: Buffer;
  timer: NodeJS.Timeout;
}

export class HeldReplies {
  private readonly held = new Map<string, Held>();
  private heldBytes = 0;

  constructor(private readonly heldMs = HELD_MS) {}

  /**
   * Holds `text` (a serialized reply); what the asker gets instead: a 502 that says why to an asker
   * that does not know `held` (an older rex), the ref to pull for one that does.
   */
  hold(text: string): ControlReply {
    const bytes = Buffer.from(text);
    if (bytes.length > MAX_HELD_BYTES)
      return fileError(502, `the answer (${bytes.length} bytes) is larger than a station holds for the hub (${MAX_HELD_BYTES} bytes)`);
    // The oldest first (a Map keeps its insertion order).
    for (const ref of this.held.keys()) {
      if (this.held.size < MAX_HELD && this.heldBytes + bytes.length <= MAX_HELD_BYTES) break;
      this.drop(ref);
    }
    const ref = randomUUID();
    this.held.set(ref, { bytes, timer: this.expiry(ref) });
    this.heldBytes += bytes.length;
    const body = `the answer (${bytes.length} bytes) is larger than one message: it is held for reply_part, which this hub's rex does not ask`;
    return { status: 502, body, held: { ref, size: bytes.length } };
  }

  /** `reply_part`: at most `limit` bytes of a held answer from an offset. */
  part(data: Uint8Array, limit: number): StationPart | ControlReply {
    let request: ReplyPartRequest;
    try {
      request = ReplyPartRequest.parse(JSON.parse(new TextDecoder().decode(data)));
    } catch {
      return fileError(400, 'the request\'s data: expected {"ref", "offset"}');
    }
    const held = this.held.get(request.ref);
    if (held === undefined) return fileError(410, 'the answer is no longer held (taken, or not asked for within 30 s); ask again');
    clearTimeout(held.timer);
    const bytes = held.bytes.subarray(request.offset, request.offset + limit);
    if (request.offset + bytes.length >= held.bytes.length) this.drop(request.ref);
    else held.timer = this.expiry(request.ref);
    return { bytes, total: held.bytes.length, identity: request.ref };
  }

  close(): void {
    for (const ref of [...this.held.keys()]) this.drop(ref);
  }

  private expiry(ref: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.drop(ref), this.heldMs);
    timer.unref();
    return timer;
  }

  private drop(ref: string): void {
    const held = this.held.get(ref);
    if (held === undefined) return;
    clearTimeout(held.timer);
    this.held.delete(ref);
    this.heldBytes -= held.bytes.length;
  }
}
