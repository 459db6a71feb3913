/**
 * THE table of bus topics and requests: each name with the zod schema of its payload. Payloads
 * are declared once, as schemas in the owning actor's `messages.ts` (the bus's own in
 * payloads.ts), their types inferred; `Topics` and `Requests` are derived from this table, so
 * `Bus.publish`/`on`/`request`/`serve` are type-checked against it, and under
 * REX_BUS_VALIDATE=1 the hub checks every payload against the same schemas.
 * To add a topic: declare its schema in messages.ts, add one line here, and one row to
 * docs/bus.md (a test compares the two).
 */
import type { z } from 'zod';
import { ActorFault, ActorStatus, FaultInject, LogEntry, NoArguments, RunStop } from './payloads.js';
import { RunCurrent, RunFinished, RunInterrupt, RunIteration, RunPlanAnswer, RunScript } from '../actors/controller/messages.js';
import { FileFinalize, FileFinalized, FileProgress } from '../actors/file-writer/messages.js';
import {
  IngestBegin,
  IngestBytes,
  IngestClosed,
  IngestEof,
  IngestEnd,
  IngestReply,
  IngestResync,
  IngestSettle,
  IngestSettled,
  JournalGrew,
  JournalSize,
  RunKill,
  RunPaused,
} from '../actors/ingest/messages.js';
import { StoreQuery, StoreQueryAnswer, StoreSession, StoreStatus, StoreStatusRequest } from '../actors/store/messages.js';
import { ClickHouseStatus, ClickHouseStatusRequest } from '../actors/clickhouse-writer/messages.js';
import { ReplicationStatus, ReplicationStatusRequest } from '../actors/fleet-replicator/messages.js';
import { ServeLaunch, ServeLaunchResult, ServeLogChunk, ServeLogRequest, ServeRunState } from '../actors/http-gateway/messages.js';
import { MailOutboxState, MailStatus } from '../actors/mailer/messages.js';

/** A schema per topic name. */
export type TopicSchemas = Readonly<Record<string, z.ZodType>>;
/** The request's and the response's schema per request name. */
export type RequestSchemas = Readonly<Record<string, { readonly req: z.ZodType; readonly res: z.ZodType }>>;

export const topics = {
  'actor.status': ActorStatus,
  'actor.fault': ActorFault,
  log: LogEntry,
  'run.stop': RunStop,
  'fault.inject': FaultInject,
  'ingest.bytes': IngestBytes,
  'ingest.reply': IngestReply,
  'ingest.closed': IngestClosed,
  'ingest.eof': IngestEof,
  'journal.grew': JournalGrew,
  'file.progress': FileProgress,
  'run.paused': RunPaused,
  'run.kill': RunKill,
  'run.interrupt': RunInterrupt,
  'run.iteration': RunIteration,
  'run.script': RunScript,
  'run.finished': RunFinished,
  'serve.run': ServeRunState,
  'mail.status': MailStatus,
} as const satisfies TopicSchemas;

export const requests = {
  'run.current': { req: NoArguments, res: RunCurrent },
  'run.plan': { req: NoArguments, res: RunPlanAnswer },
  'ingest.resync': { req: NoArguments, res: IngestResync },
  'ingest.settle': { req: IngestSettle, res: IngestSettled },
  'ingest.begin': { req: IngestBegin, res: JournalSize },
  'ingest.end': { req: IngestEnd, res: JournalSize },
  'store.query': { req: StoreQuery, res: StoreQueryAnswer },
  'store.session': { req: NoArguments, res: StoreSession },
  'store.status': { req: StoreStatusRequest, res: StoreStatus },
  'file.finalize': { req: FileFinalize, res: FileFinalized },
  'clickhouse.status': { req: ClickHouseStatusRequest, res: ClickHouseStatus },
  'fleet.replication': { req: ReplicationStatusRequest, res: ReplicationStatus },
  'serve.launch': { req: ServeLaunch, res: ServeLaunchResult },
  'serve.state': { req: NoArguments, res: ServeRunState },
  'serve.log': { req: ServeLogRequest, res: ServeLogChunk },
  'mail.outbox': { req: NoArguments, res: MailOutboxState },
} as const satisfies RequestSchemas;

/** The payload types of a topic table. */
export type TopicsOf<S extends TopicSchemas> = { -readonly [K in keyof S]: z.infer<S[K]> };
/** The request and response types of a request table. */
export type RequestsOf<S extends RequestSchemas> = {
  -readonly [N in keyof S]: { req: z.infer<S[N]['req']>; res: z.infer<S[N]['res']> };
};

export type Topics = TopicsOf<typeof topics>;
export type Requests = RequestsOf<typeof requests>;
export type Topic = keyof Topics;
export type RequestName = keyof Requests;
export type RequestOf<N extends RequestName> = Requests[N]['req'];
export type ResponseOf<N extends RequestName> = Requests[N]['res'];
