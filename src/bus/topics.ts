/**
 * THE list of bus topics and request names, with their payload types. Nothing else declares
 * a topic: `Bus.publish`/`on`/`request`/`serve` are type-checked against these interfaces.
 * To add a topic: import its payload type and add one line. Document it in docs/bus.md
 * (a test compares the two).
 */
import type {
  ActorFault,
  ActorStatus,
  FaultInject,
  LogEntry,
  RunStop,
  TestEmitRequest,
  TestAskResult,
  TestEmitResult,
  TestPing,
  TestSeen,
  TestTrace,
} from './payloads.js';
import type { RunCurrent, RunFinished, RunInterrupt, RunIteration, RunScript } from '../actors/controller/messages.js';
import type { FileFinalize, FileFinalized, FileProgress } from '../actors/file-writer/messages.js';
import type {
  IngestBegin,
  IngestBytes,
  IngestClosed,
  IngestEof,
  IngestEnd,
  IngestReply,
  IngestResync,
  JournalGrew,
  RunKill,
  RunPaused,
} from '../actors/ingest/messages.js';
import type { StoreQuery, StoreQueryAnswer, StoreSession } from '../actors/store/messages.js';
import type { ClickHouseStatus, ClickHouseStatusRequest } from '../actors/clickhouse-writer/messages.js';
import type { ServeLaunch, ServeLaunchResult, ServeRunState } from '../actors/http-gateway/messages.js';
import type { MailOutboxState, MailStatus } from '../actors/mailer/messages.js';

export interface Topics {
  'actor.status': ActorStatus;
  'actor.fault': ActorFault;
  'log': LogEntry;
  'run.stop': RunStop;
  'fault.inject': FaultInject;
  'ingest.bytes': IngestBytes;
  'ingest.reply': IngestReply;
  'ingest.closed': IngestClosed;
  'ingest.eof': IngestEof;
  'journal.grew': JournalGrew;
  'file.progress': FileProgress;
  'run.paused': RunPaused;
  'run.kill': RunKill;
  'run.interrupt': RunInterrupt;
  'run.iteration': RunIteration;
  'run.script': RunScript;
  'run.finished': RunFinished;
  'serve.run': ServeRunState;
  'mail.status': MailStatus;
  'test.ping': TestPing;
  'test.trace': TestTrace;
  'test.seen': TestSeen;
}

export interface Requests {
  'run.current': { req: Record<string, never>; res: RunCurrent };
  'ingest.resync': { req: Record<string, never>; res: IngestResync };
  'ingest.begin': { req: IngestBegin; res: { size: number } };
  'ingest.end': { req: IngestEnd; res: { size: number } };
  'store.query': { req: StoreQuery; res: StoreQueryAnswer };
  'store.session': { req: Record<string, never>; res: StoreSession };
  'file.finalize': { req: FileFinalize; res: FileFinalized };
  'clickhouse.status': { req: ClickHouseStatusRequest; res: ClickHouseStatus };
  'serve.launch': { req: ServeLaunch; res: ServeLaunchResult };
  'serve.state': { req: Record<string, never>; res: ServeRunState };
  'mail.outbox': { req: Record<string, never>; res: MailOutboxState };
  'test.echo': { req: { x: number }; res: { x: number } };
  'test.sleep': { req: { ms: number }; res: { slept: number } };
  'test.emit': { req: TestEmitRequest; res: TestEmitResult };
  'test.ask': { req: { x: number; timeoutMs?: number }; res: TestAskResult };
}

export type Topic = keyof Topics;
export type RequestName = keyof Requests;
export type RequestOf<N extends RequestName> = Requests[N]['req'];
export type ResponseOf<N extends RequestName> = Requests[N]['res'];
