/**
 * SocketFront flow control with real TCP sockets and the real bus hub; the test plays the ingest
 * worker (it sees `ingest.bytes` / `ingest.eof` and answers with `ingest.reply`), so it can hold
 * replies back and watch what the front forwards meanwhile.
 */
import net from 'node:net';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { BusHub } from '../../src/bus/hub.js';
import { SocketFront } from '../../src/host/run/socket-front.js';
import { LineSplitter, contentLineEnds, joinParts } from '../../src/protocol/line-splitter.js';

const MAX_LINES = 8;
const MAX_BYTES = 1024;

interface Forwarded {
  offset: number;
  /** The message's parts, joined. */
  bytes: Buffer;
  parts: number;
}

async function startFront(maxQueuedReplyBytes = 1 << 20, maxLinesInFlight = MAX_LINES, maxInFlightBytes = MAX_BYTES) {
  const hub = new BusHub();
  const front = new SocketFront(hub.bus, {
    host: '127.0.0.1',
    maxUnackedBytesPerConnection: 64 << 20,
    maxQueuedReplyBytes,
    maxLinesInFlight,
    maxInFlightBytes,
  });
  const forwarded: Forwarded[] = [];
  const events: string[] = [];
  hub.bus.on('ingest.bytes').subscribe(({ offset, parts }) => {
    forwarded.push({ offset, bytes: Buffer.concat(parts.map((part) => Buffer.from(part))), parts: parts.length });
    events.push('bytes');
  });
  hub.bus.on('ingest.eof').subscribe(() => events.push('eof'));
  hub.bus.on('ingest.closed').subscribe(({ connIds }) => events.push(`closed ${connIds.join(',')}`));
  const { port } = await front.listen(0);
  onTestFinished(async () => {
    await front.close();
    hub.close();
  });
  const client = net.connect({ port, host: '127.0.0.1' });
  await new Promise((resolve) => client.once('connect', resolve));
  onTestFinished(() => {
    client.destroy();
  });
  const reply = (consumedOffset: number, text = '') => hub.bus.publish('ingest.reply', { connId: 1, text, consumedOffset, close: false });
  const forwardedBytes = (): number => forwarded.reduce((sum, f) => sum + f.bytes.length, 0);
  return { hub, front, client, forwarded, events, reply, forwardedBytes };
}

/** For tests that prove something does NOT happen within a while: there is no event to wait for. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `condition` (the front forwards on socket reads, which a test cannot await). */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error(`timed out waiting for ${what}`);
    },
    { timeout: timeoutMs, interval: 5 },
  );
}

/** The end offset of the last complete line in what was forwarded. */
function lastLineEnd(forwarded: Forwarded[]): number {
  const all = Buffer.concat(forwarded.map((f) => f.bytes));
  return forwarded[0]!.offset + all.lastIndexOf(0x0a) + 1;
}

describe('SocketFront flow control', () => {
  it('hands complete lines to the worker a few at a time, more only once they are answered', async () => {
    const { hub, client, forwarded, reply, forwardedBytes } = await startFront();
    const sent = Buffer.from(`${Array.from({ length: 2_000 }, (_, i) => `line ${i}`.padEnd(15, '.')).join('\n')}\n`);
    let consumed = 0;
    // Checked at every forward, as it happens: never more than the window in flight.
    let mostInFlight = 0;
    hub.bus.on('ingest.bytes').subscribe(() => (mostInFlight = Math.max(mostInFlight, forwardedBytes() - consumed)));
    client.write(sent);
    let rounds = 0;
    while (consumed < sent.length) {
      // Not answered yet: the window fills, and no more.
      await until(() => forwardedBytes() - consumed === MAX_LINES * 16, 'a full window');
      expect(mostInFlight).toBe(MAX_LINES * 16);
      consumed = lastLineEnd(forwarded);
      reply(consumed);
      rounds++;
    }
    const all = Buffer.concat(forwarded.map((f) => f.bytes));
    expect(all.equals(sent)).toBe(true);
    let expectedOffset = 0;
    for (const f of forwarded) {
      expect(f.offset).toBe(expectedOffset);
      expectedOffset += f.bytes.length;
    }
    expect(rounds).toBe(2_000 / MAX_LINES);
  });

  it('big lines: past the first, no more than the byte limit in flight', async () => {
    const { client, forwardedBytes, reply } = await startFront();
    const line = `${'z'.repeat(599)}\n`;
    client.write(line.repeat(10));
    await until(() => forwardedBytes() > 0, 'bytes');
    await sleep(30); // a third line would come within this while
    expect(forwardedBytes()).toBe(2 * 600); // the second line pushes past 1024 bytes: no third
    reply(600);
    await until(() => forwardedBytes() === 3 * 600, 'one more line');
    await sleep(30); // and a fifth within this one
    expect(forwardedBytes()).toBe(3 * 600);
  });

  it('a client streaming: what a turn read goes to the worker in one message, a turn reading at most 256 KiB and a read', async () => {
    const { client, forwarded, reply, forwardedBytes } = await startFront(1 << 20, 1_000, 64 << 20);
    // 100 lines of 20 KB, as a client pipelining traces sends them: read 64 KiB at a time.
    const sent = Buffer.from(Array.from({ length: 100 }, (_, i) => `${String(i).padEnd(20_000, '.')}\n`).join(''));
    client.write(sent);
    for (let answered = 0; forwardedBytes() < sent.length; ) {
      await until(() => forwarded.length > answered, 'a forward');
      answered = forwarded.length;
      reply(lastLineEnd(forwarded)); // answered at once: flow control holds nothing back
    }
    expect(Buffer.concat(forwarded.map((f) => f.bytes)).equals(sent)).toBe(true);
    const sizes = forwarded.map((f) => f.bytes.length);
    expect(Math.max(...sizes)).toBeGreaterThan(64 * 1024); // more than one read in a message
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    expect(forwarded.some((f) => f.parts > 1)).toBe(true); // reads moved as they are, side by side
  });

  it('streams a long unfinished line through without waiting for replies', async () => {
    const { client, forwardedBytes, forwarded } = await startFront();
    const partial = Buffer.alloc(2 << 20, 'x');
    client.write(partial);
    await until(() => forwardedBytes() === partial.length, 'the whole partial line');
    client.write('x\n');
    await until(() => forwardedBytes() === partial.length + 2, 'its end');
    expect(
      Buffer.concat(forwarded.map((f) => f.bytes))
        .subarray(-2)
        .toString(),
    ).toBe('x\n');
  });

  it('blank lines (which get no reply) do not hold back what follows', async () => {
    const { client, forwardedBytes, reply } = await startFront();
    const sent = `${'a\n'.repeat(MAX_LINES)}${' \r\n'.repeat(2000)}b\n`;
    client.write(sent);
    await until(() => forwardedBytes() > 0, 'bytes');
    await sleep(20); // more would come within this while
    expect(forwardedBytes()).toBe(2 * MAX_LINES);
    reply(2 * MAX_LINES, 'Running\n'.repeat(MAX_LINES)); // the blank lines after them get nothing
    await until(() => forwardedBytes() === sent.length, 'the rest, up to "b"');
  });

  it('tells the worker of the end of stream only after the last byte', async () => {
    const { hub, client, events, forwarded, reply, forwardedBytes } = await startFront();
    const sent = 'y'.repeat(40).concat('\n').repeat(200);
    // The worker may hear of the end once it has every byte, not before: checked as it hears it.
    let forwardedAtEof: number | undefined;
    hub.bus.on('ingest.eof').subscribe(() => (forwardedAtEof = forwardedBytes()));
    client.end(sent);
    // Every line answered but the last, so that the worker still has something to say: a client
    // whose lines are all answered when its end arrives is closed here, without the worker.
    const lastLineStart = sent.length - 41;
    let seen = 0;
    while (seen < sent.length) {
      await until(() => forwardedBytes() > seen, 'bytes');
      seen = forwardedBytes();
      reply(Math.min(lastLineEnd(forwarded), lastLineStart));
    }
    await until(() => events.includes('eof'), 'eof');
    expect(forwardedAtEof).toBe(sent.length);
    expect(events.indexOf('eof')).toBe(events.length - 1);
  });

  it('stops reading a client that does not read its replies', async () => {
    const { client, forwarded, reply, forwardedBytes } = await startFront(64 * 1024);
    client.pause();
    const bigReply = `${'r'.repeat(64 * 1024)}\n`;
    let written = 0;
    const line = Buffer.from('q\n'.repeat(4096));
    for (let i = 0; i < 5_000 && client.writableLength < 256 * 1024; i++) {
      client.write(line);
      written += line.length;
      // Answer every forwarded line with 64 KiB the client never reads.
      const end = forwarded.length > 0 ? lastLineEnd(forwarded) : 0;
      for (let k = 0; k < 4; k++) reply(end, bigReply);
      await sleep(1);
    }
    const plateau = forwardedBytes();
    await sleep(300); // nothing more is read meanwhile
    expect(forwardedBytes()).toBe(plateau);
    expect(client.writableLength).toBeGreaterThan(0);
    expect(plateau).toBeLessThan(written);
  });

  it('a restarted worker gets what was forwarded and not consumed, nothing more', async () => {
    const { hub, client, forwarded, reply, forwardedBytes } = await startFront();
    client.write(`first line\nsecond line\n${'z'.repeat(5000)}\ntail`);
    await until(() => forwardedBytes() > 0, 'bytes');
    // Let what the front forwards settle before and after the reply (it sends no event when it stops).
    await sleep(20);
    reply(11);
    await sleep(20);
    const snapshot = await hub.bus.request('ingest.resync', {});
    expect(snapshot.connections).toHaveLength(1);
    const [connection] = snapshot.connections;
    expect(connection!.offset).toBe(11);
    const all = Buffer.concat(forwarded.map((f) => f.bytes));
    expect(Buffer.from(connection!.bytes).toString()).toBe(all.subarray(11).toString());
    expect(connection!.eof).toBe(false);
  });

  it('a client that ends with every line answered is closed by the front; the worker only hears it is gone', async () => {
    const { client, events, reply, forwardedBytes } = await startFront();
    client.write('only line\n');
    await until(() => forwardedBytes() === 10, 'the line');
    reply(10, 'answer\n');
    let received = '';
    client.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await until(() => received === 'answer\n', 'the answer');
    client.end(' \n'); // a blank line needs no answer
    await new Promise((resolve) => client.once('close', resolve));
    await until(() => events.some((e) => e.startsWith('closed')), 'the worker told the connection is gone');
    expect(events.filter((e) => e !== 'bytes')).toEqual(['closed 1']);
  });

  it('a client that ends with a line unanswered is left to the worker to close', async () => {
    const { client, events, forwardedBytes } = await startFront();
    client.end('last line, no newline');
    await until(() => events.includes('eof'), 'the end of stream');
    expect(forwardedBytes()).toBe(21);
    await sleep(50); // time for a close that must not come
    expect(client.readableEnded).toBe(false); // the worker has not answered yet: rex keeps it open
  });

  it('big reads moved to the worker as they are: a restarted worker still gets every unconsumed byte', async () => {
    const { hub, client, reply } = await startFront();
    const received: Buffer[] = [];
    hub.bus.on('ingest.bytes').subscribe(({ parts }) => {
      for (const part of parts) received.push(Buffer.from(part.slice(0)));
      structuredClone(parts, { transfer: parts }); // as the post to the worker does: gone from this thread
    });
    const letters = (n: number) =>
      Buffer.from(Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join(''));
    const sent = Buffer.concat([letters(300_000), Buffer.from('\n'), letters(400_000), Buffer.from('\n'), letters(200_000)]);
    client.write(sent);
    const receivedBytes = () => received.reduce((sum, b) => sum + b.length, 0);
    await until(() => receivedBytes() === 300_001, 'the first line');
    reply(300_001); // its blocks go back, and hold the bytes read next
    await until(() => receivedBytes() === 700_002, 'the second line');
    await sleep(20);
    expect(Buffer.concat(received).equals(sent.subarray(0, receivedBytes()))).toBe(true);
    const [connection] = (await hub.bus.request('ingest.resync', {})).connections;
    expect(connection!.offset).toBe(300_001);
    expect(Buffer.from(connection!.bytes).equals(sent.subarray(300_001, receivedBytes()))).toBe(true);
  });

  it('a restarted worker learns that a half-closed client ended its stream', async () => {
    const { hub, client, events } = await startFront();
    client.end('last line\n'); // the client is done sending, and waits for the reply and our close
    await until(() => events.includes('eof'), 'the end of stream');
    const [connection] = (await hub.bus.request('ingest.resync', {})).connections;
    expect(Buffer.from(connection!.bytes).toString()).toBe('last line\n');
    expect(connection!.eof).toBe(true);
  });
});

describe('ingest.settle (the script has exited: its last lines are read and handed over)', () => {
  const lines = `${'w'.repeat(30)}\n`.repeat(4 * MAX_LINES);

  it('a client gone with lines unanswered: everything it sent is handed over', async () => {
    const { hub, client, forwarded, reply, forwardedBytes } = await startFront();
    // The test answers like the ingest worker: each forwarded piece on the next turn.
    hub.bus.on('ingest.bytes').subscribe(() => setImmediate(() => reply(lastLineEnd(forwarded))));
    client.write(lines);
    client.destroy(); // as a script's exit closes its socket
    const answer = await hub.bus.request('ingest.settle', { maxWaitMs: 5000 });
    expect(answer).toEqual({ settled: true });
    expect(forwardedBytes()).toBe(lines.length);
  });

  it('lines held by flow control: not settled until the worker has answered enough to take them all', async () => {
    const { hub, client, forwarded, reply, forwardedBytes } = await startFront();
    client.end(lines); // half-closed: the front keeps it open for the replies
    await until(() => forwardedBytes() > 0, 'the first lines');
    expect(await hub.bus.request('ingest.settle', { maxWaitMs: 50 })).toEqual({ settled: false });
    // Now the test answers like the ingest worker.
    hub.bus.on('ingest.bytes').subscribe(() => setImmediate(() => reply(lastLineEnd(forwarded))));
    reply(lastLineEnd(forwarded));
    expect(await hub.bus.request('ingest.settle', { maxWaitMs: 5000 })).toEqual({ settled: true });
    expect(forwardedBytes()).toBe(lines.length);
  });

  it('an idle client that stays connected (a view) does not hold it, even mid-line', async () => {
    const { hub, client, forwardedBytes } = await startFront();
    client.write('GET_DATA');
    await until(() => forwardedBytes() === 8, 'the partial line');
    expect(await hub.bus.request('ingest.settle', { maxWaitMs: 5000 })).toEqual({ settled: true });
  });
});

describe('contentLineEnds (where the lines that get a reply end)', () => {
  const scan = (text: string, partialHasContent = false, maxLines?: number) =>
    contentLineEnds(Buffer.from(text), partialHasContent, maxLines);

  it('finds the end of each non-blank line; blank lines do not count', () => {
    expect(scan('a\nb\n')).toEqual({ ends: [2, 4], tailHasContent: false });
    expect(scan('a\n \r\n\t\n')).toEqual({ ends: [2], tailHasContent: false });
    expect(scan('a\nbc')).toEqual({ ends: [2], tailHasContent: true });
    expect(scan(' \n\n  ')).toEqual({ ends: [], tailHasContent: false });
    expect(scan('xyz')).toEqual({ ends: [], tailHasContent: true });
  });

  it('counts a line begun in earlier bytes', () => {
    expect(scan('\n', true)).toEqual({ ends: [1], tailHasContent: false });
    expect(scan('  \n \n', true)).toEqual({ ends: [3], tailHasContent: false });
    expect(scan('  \n \n', false)).toEqual({ ends: [], tailHasContent: false });
    expect(scan('  ', true)).toEqual({ ends: [], tailHasContent: true });
  });

  it('stops after maxLines', () => {
    expect(scan('a\n\nb\nc\nd', false, 2)).toEqual({ ends: [2, 5], tailHasContent: false });
  });
});

describe('LineSplitter takes over the chunks it is given', () => {
  it('keeps a chunk, or a slice of a larger buffer, by reference: handed over, never copied', () => {
    const lines = (items: ReturnType<LineSplitter['push']>) =>
      items.map((item) => (item.kind === 'line' ? joinParts(item.parts, item.length).toString() : item.kind));
    const whole = Buffer.from(new ArrayBuffer(3));
    whole.write('abc');
    const splitter = new LineSplitter(100);
    splitter.push(whole);
    whole.write('xyz'); // handed over: the splitter sees the change
    expect(lines(splitter.push(Buffer.from('\n')))).toEqual(['xyz']);
    const slice = Buffer.from('x\ndef').subarray(2);
    splitter.push(slice);
    slice.write('uvw');
    expect(lines(splitter.push(Buffer.from('\n')))).toEqual(['uvw']);
  });
});
