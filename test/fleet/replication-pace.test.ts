/**
 * The replicator's pace (src/actors/fleet-replicator/pace.ts): while the station streams, records
 * wait for a pause in the journal's news, or at most `maxLagMs`. First the rule on a clock of our
 * own; then the replicator itself, a real journal and a real nats-server: a burst reaches the hub
 * after it ends, a long stream every `maxLagMs`, and the run's end is never held back; last, a real
 * `rex run` whose replicator starts while the script already streams.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ReplicationPace } from '../../src/actors/fleet-replicator/pace.js';
import { JournalReplicator } from '../../src/actors/fleet-replicator/replicator.js';
import { JOURNAL_STREAM, journalSubjectsOf } from '../../src/protocol/fleet/journal-subjects.js';
import { connectFleet } from '../../src/runtime/fleet/connect.js';
import { decodeRecordAt, RecordType } from '../../src/runtime/journal/codec.js';
import { TestJournal } from '../clickhouse/journal-builder.js';
import { NatsServer } from '../helpers/nats-server.js';
import { counterLines } from '../helpers/processes.js';
import { startStream } from '../helpers/stream-run.js';

describe('ReplicationPace', () => {
  const settings = { quietMs: 600, maxLagMs: 5_000 };

  it('sends at once when nothing came since it caught up (a replicator that starts late, or restarts)', () => {
    const pace = new ReplicationPace(settings, () => 1_000);
    expect(pace.holdMs()).toBe(0);
  });

  it('holds while news comes, and sends once it has paused for quietMs', () => {
    let now = 0;
    const pace = new ReplicationPace(settings, () => now);
    pace.news();
    expect(pace.holdMs()).toBe(600);
    now = 250;
    pace.news();
    expect(pace.holdMs()).toBe(600);
    now = 849;
    expect(pace.holdMs()).toBe(1);
    now = 850;
    expect(pace.holdMs()).toBe(0);
  });

  it('sends anyway once the oldest news has waited maxLagMs, until it catches up', () => {
    let now = 0;
    const pace = new ReplicationPace(settings, () => now);
    for (; now < 5_000; now += 250) pace.news();
    expect(pace.holdMs()).toBe(0);
    // Caught up: the next news starts a new wait.
    pace.caughtUp();
    pace.news();
    expect(pace.holdMs()).toBe(600);
  });
});

describe('JournalReplicator at its pace', () => {
  let hub: NatsServer;
  let dir: string;

  beforeAll(async () => {
    hub = await NatsServer.start({ users: [{ user: 'rex', password: 'fleet-secret' }] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-replication-pace-'));
  });

  afterAll(async () => {
    await hub?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const trace = (i: number) => ({
    device_name: 'scope',
    device_config: {},
    measurements: { trace: { data: [Array.from({ length: 1_000 }, (_, k) => k + i * 0.5)], unit: 'V' } },
  });

  /** A journal, a replicator of it at `pace`, and a way to grow the journal with news as ingest gives it. */
  async function station(name: string, pace: { quietMs: number; maxLagMs: number }) {
    const journalPath = path.join(dir, name, 'loop-1.rexj');
    fs.mkdirSync(path.dirname(journalPath));
    const journal = new TestJournal(journalPath, { uuid: crypto.randomUUID() });
    const nc = connectFleet({ urls: [hub.url], user: 'rex', password: 'fleet-secret' }, { name: `pace-${name}` });
    const replicator = new JournalReplicator({ connection: nc, node: name, journals: () => [journalPath], log: () => {}, pace });
    const running = replicator.run();
    const acked = () => replicator.status().bytesAcked;
    const size = () => fs.statSync(journalPath).size;
    /**
     * Once the run-start record is acknowledged (it goes at once: no news yet), a line every
     * `everyMs` with its news, for `forMs`; the acknowledged bytes before, and those seen meanwhile.
     */
    const stream = async (forMs: number, everyMs = 50) => {
      await expect.poll(acked).toBe(size());
      const before = acked();
      const seen: number[] = [];
      for (let i = 0, end = Date.now() + forMs; Date.now() < end; i++) {
        journal.line(trace(i));
        replicator.wake();
        seen.push(acked());
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
      return { before, seen };
    };
    const close = async () => {
      replicator.stop();
      await running;
      await (await nc).close();
    };
    // Stopped however the test ends.
    onTestFinished(close);
    return { journal, replicator, acked, size, stream };
  }

  it('a burst reaches the hub after it ends; the end of the run is sent at once', async () => {
    const s = await station('burst', { quietMs: 500, maxLagMs: 10_000 });
    const { before, seen } = await s.stream(1_200);
    expect(Math.max(...seen)).toBe(before);
    await expect.poll(s.acked, { timeout: 3_000 }).toBe(s.size());
    // The run is over: its last records (news, as any) wait for no pause.
    s.journal.line(trace(99));
    s.replicator.wake();
    await new Promise((resolve) => setTimeout(resolve, 100)); // holding now, for 400 ms more
    s.journal.end();
    s.replicator.finalize();
    const finalizedAt = Date.now();
    await expect.poll(() => s.replicator.status().caughtUp, { timeout: 3_000, interval: 10 }).toBe(true);
    expect(Date.now() - finalizedAt).toBeLessThan(250);
  });

  it('a stream longer than maxLagMs reaches the hub while it goes on', async () => {
    const s = await station('long', { quietMs: 300, maxLagMs: 500 });
    const { before, seen } = await s.stream(2_000);
    expect(Math.max(...seen)).toBeGreaterThan(before);
    await expect.poll(s.acked, { timeout: 3_000 }).toBe(s.size());
  });
});

describe("a station's replicator in a real run", () => {
  let hub: NatsServer;

  beforeAll(async () => {
    hub = await NatsServer.start({ users: [{ user: 'rex', password: 'fleet-secret' }] });
  });
  afterAll(async () => {
    await hub?.dispose();
  });

  it('nothing of a stream reaches the hub before it ends, although the replicator starts during it', { timeout: 60_000 }, async () => {
    // A line every 5 ms for ~1.5 s from the script's first line: the ingest tells of growth once a
    // second (growth-notice.ts), never a pause, and the run's end comes before the replicator's
    // longest wait (5 s from its start). A replicator that took what it found at its start for news
    // already sent would have sent it at once, in the middle of the stream.
    const run = await startStream({ env: { REXT_SLEEP: '0.005', REXT_MAX_STEPS: '300' }, config: hub.fleetSection('pace-run') });
    const done = await run.rex.done;
    expect(done.code, done.stderr).toBe(0);
    expect(counterLines(run.ackFile)).toBe(300);

    const nc = await connectFleet({ urls: [hub.url], user: 'rex', password: 'fleet-secret' }, { name: 'pace-run-reader' });
    onTestFinished(() => nc.close());
    const consumer = await jetstream(nc).consumers.get(JOURNAL_STREAM, { filter_subjects: journalSubjectsOf('pace-run') });
    let firstStoredNs: bigint | null = null;
    let lastLineArrivalNs = 0n;
    let records = 0;
    const messages = await consumer.consume();
    for await (const m of messages) {
      const storedNs = BigInt(m.info.timestampNanos);
      if (firstStoredNs === null || storedNs < firstStoredNs) firstStoredNs = storedNs;
      // Small records: one message each.
      const step = decodeRecordAt(Buffer.from(m.data), 0, 0);
      if (step.status !== 'record') throw new Error(`message ${m.seq}: ${step.status}`);
      records++;
      if (step.record.type === RecordType.Line && step.record.arrivalNs > lastLineArrivalNs) lastLineArrivalNs = step.record.arrivalNs;
      if (m.info.pending === 0) break;
    }
    await messages.close();
    // The run-start record, the session line, 300 lines and the run-end record, all there.
    expect(records).toBeGreaterThanOrEqual(303);
    expect(firstStoredNs! > lastLineArrivalNs, `first stored ${firstStoredNs}, last line arrived ${lastLineArrivalNs}`).toBe(true);
  });
});
