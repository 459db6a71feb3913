/**
 * A past run's file from a station, for `GET /stations/<node>/runs/<id>/file` (docs/fleet.md
 * "Large answers and downloads"): pulled a part at a time (`run_file`), each asked for only when
 * the stream's reader wants more, so a slow client holds back the station, at most two parts wait
 * in memory, and a client that goes (the stream destroyed) stops the transfer.
 */
import { Readable } from 'node:stream';
import type { NatsConnection } from '@nats-io/transport-node';
import { type ControlReply, PART_BYTES } from '../../protocol/fleet/stations.js';
import type { RunDownload } from '../run-file/past-run-answers.js';
import { askPart } from './registry.js';

export async function downloadFromStation(
  nc: NatsConnection,
  node: string,
  id: string,
  timeoutMs: number,
): Promise<RunDownload | ControlReply> {
  const ask = (offset: number, identity?: string) =>
    askPart(nc, node, 'run_file', JSON.stringify({ id, offset, ...(identity !== undefined && { identity }) }), timeoutMs);
  // The first part says whether there is such a file (the same 404 as the station's own), its name and size.
  const first = await ask(0);
  if (!('bytes' in first)) return first;
  const { total, identity, name } = first;
  let offset = 0;
  let asking = false;
  const stream = new Readable({
    highWaterMark: 2 * PART_BYTES,
    read() {
      if (asking || stream.destroyed) return;
      if (offset >= total) return void stream.push(null);
      asking = true;
      ask(offset, identity).then(
        (part) => {
          asking = false;
          if (stream.destroyed) return;
          if (!('bytes' in part))
            return void stream.destroy(new Error(`station ${node} answered ${part.status}: ${JSON.stringify(part.body)}`));
          if (part.identity !== identity || part.bytes.length === 0)
            return void stream.destroy(new Error(`station ${node}: the file changed during the download`));
          take(part.bytes);
        },
        (error: unknown) => stream.destroy(error as Error),
      );
    },
  });
  const take = (bytes: Uint8Array): void => {
    const kept = bytes.subarray(0, total - offset);
    offset += kept.length;
    if (kept.length > 0) stream.push(Buffer.from(kept.buffer, kept.byteOffset, kept.length));
  };
  take(first.bytes);
  return { name: name ?? id, bytes: total, stream };
}
