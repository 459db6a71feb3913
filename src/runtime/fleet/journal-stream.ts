/**
 * The JetStream stream the stations' journals are replicated to (docs/fleet.md, "Replication and
 * the archive"): created by whichever side gets there first, station or archive.
 */
import { type JetStreamManager, JetStreamApiCodes, JetStreamApiError, jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { JOURNAL_STREAM, JOURNAL_SUBJECTS } from '../../protocol/fleet/journal-subjects.js';
import { jetStreamOptions } from './jetstream.js';

/**
 * JetStream requests (a publish's acknowledgement included) give up after this: one lost in an
 * outage is sent again this soon, not after the connection's 5 s.
 */
export const JETSTREAM_TIMEOUT_MS = 2000;

/** How long the stream drops a message id it has stored already: covers a replicator's retries. */
export const DUPLICATE_WINDOW_NS = 2 * 60 * 1_000_000_000;

/** The stream (created if missing), in the hub's JetStream `domain` if `[fleet]` names one. */
export async function ensureJournalStream(nc: NatsConnection, domain: string | undefined): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc, jetStreamOptions(domain, JETSTREAM_TIMEOUT_MS));
  try {
    await jsm.streams.info(JOURNAL_STREAM);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    await jsm.streams
      .add({ name: JOURNAL_STREAM, subjects: [JOURNAL_SUBJECTS], storage: StorageType.File, duplicate_window: DUPLICATE_WINDOW_NS })
      .catch(async (addError: unknown) => {
        // Created meanwhile by another station: fine.
        await jsm.streams.info(JOURNAL_STREAM).catch(() => {
          throw addError;
        });
      });
  }
  return jsm;
}
