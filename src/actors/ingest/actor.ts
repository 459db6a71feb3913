/**
 * The ingest actor (worker side): parses lines, decides merges, journals, answers. Sockets stay on
 * the main thread (socket-front.ts); on a restart this worker rebuilds its state from the journal
 * and asks the front for every byte it has not consumed.
 */
import type { ActorDefinition } from '../../runtime/worker/run-actor.js';
import { nowEpochNs } from '../../runtime/clock.js';
import { RecordType, encodeJsonRecord } from '../../runtime/journal/codec.js';
import { JournalWriter } from '../../runtime/journal/writer.js';
import { LineParser } from './pooled-line-parser.js';
import { IngestCore, type IngestEnvironment } from './ingest-core.js';
import { GrowthNotice } from './growth-notice.js';
import { freshRunState, restoreRunState } from './restore.js';

const QUERY_TIMEOUT_MS = 5000;
const QUERY_FALLBACK = { GET_DATASTREAM: '{}', GET_DATASTREAM_FULL: '{}', STATE: '{"entities":null}' } as const;

export const ingestActor: ActorDefinition<Record<string, never>> = {
  name: 'ingest',
  async start({ bus, log }) {
    // Subscribe before asking for the backlog: nothing published meanwhile is missed. Until the
    // core exists, what arrives is kept, in order, and handled after the backlog.
    const early: Array<(core: IngestCore) => void> = [];
    const parser = new LineParser();
    const growthNotice = new GrowthNotice(() => {
      const journal = core?.run.journal;
      if (journal) bus.publish('journal.grew', { path: journal.path, size: journal.intactLength });
    });
    let core: IngestCore | null = null;
    const handle = (event: (core: IngestCore) => void): void => {
      if (core) event(core);
      else early.push(event);
    };
    const subscriptions = [
      bus
        .on('ingest.bytes')
        .subscribe(({ connId, offset, parts }) => handle((c) => c.receive(connId, offset, ...parts.map((part) => Buffer.from(part))))),
      bus.on('ingest.closed').subscribe(({ connIds }) =>
        handle((c) => {
          for (const connId of connIds) c.closed(connId);
        }),
      ),
      bus.on('ingest.eof').subscribe(({ connId }) => handle((c) => c.endOfStream(connId))),
    ];

    // The store's last answer to each unranged query: while the run shuts down the store stops
    // before the TCP port closes, and a client asking then gets the data it last had, not an empty
    // window (a browser view would lose its latest values just before the end).
    const lastAnswers = new Map<string, string>();
    const env: IngestEnvironment = {
      parseLine: (line) => parser.parse(line),
      now: nowEpochNs,
      query: (query) =>
        bus
          .request('store.query', query, { timeoutMs: QUERY_TIMEOUT_MS })
          .then((answer) => {
            if (!query.range) lastAnswers.set(query.command, answer.text);
            return answer.text;
          })
          .catch((error: Error) => {
            log('warn', `${query.command}: the store did not answer (${error.message})`);
            return (!query.range && lastAnswers.get(query.command)) || QUERY_FALLBACK[query.command];
          }),
      send: (reply) => bus.publish('ingest.reply', reply),
      control: (event) => {
        if (event.type === 'pause') bus.publish('run.paused', { paused: event.paused });
        else bus.publish('run.kill', { source: `tcp connection ${event.connId}` });
      },
      journalGrew: () => growthNotice.grew(),
      warn: (message) => log('warn', message),
    };

    const journalOptions = {
      onSyncError: (error: Error) => log('error', `${error.message}: acknowledged data may not survive a power cut until this clears`),
    };
    const [current, backlog] = await Promise.all([bus.request('run.current', {}), bus.request('ingest.resync', {})]);
    const consumed = new Map(backlog.connections.map((c) => [c.connId, c.offset]));
    const run = current.journalPath ? restoreRunState(current.journalPath, consumed, journalOptions) : freshRunState();
    if (current.journalPath) log('info', `resumed journal ${current.journalPath}`);
    const restarted = new IngestCore(env, run);
    for (const c of backlog.connections) {
      restarted.receive(c.connId, c.offset, Buffer.from(c.bytes));
      if (c.eof) restarted.endOfStream(c.connId);
    }
    for (const event of early.splice(0)) event(restarted);
    core = restarted;

    const servers = [
      bus.serve('ingest.begin', ({ journalPath, runStart }) => {
        run.journal?.close();
        const journal = JournalWriter.create(journalPath, [encodeJsonRecord(RecordType.RunStart, runStart, nowEpochNs())], journalOptions);
        Object.assign(run, freshRunState(journal));
        return { size: journal.bytesWritten };
      }),
      bus.serve('ingest.end', async ({ runEnd }) => {
        await core!.drain();
        const journal = run.journal;
        if (!journal) return { size: 0 };
        journal.append([encodeJsonRecord(RecordType.RunEnd, runEnd, nowEpochNs())]);
        journal.close();
        run.journal = null;
        bus.publish('journal.grew', { path: journal.path, size: journal.intactLength });
        return { size: journal.bytesWritten };
      }),
    ];

    return {
      async stop() {
        await core?.drain();
        for (const subscription of [...subscriptions, ...servers]) subscription.unsubscribe();
        growthNotice.cancel();
        run.journal?.close();
        await parser.close();
      },
    };
  },
};
