/**
 * Writes real run journals for the clickhouse-writer's tests, line by line, as ingest would: each
 * accepted line with its kind and arrival time, framed by run-start and run-end records.
 */
import { LineKind, RecordType, encodeJsonRecord, encodeRecord, type RunStartRecord } from '../../src/runtime/journal/codec.js';
import { JournalWriter } from '../../src/runtime/journal/writer.js';
import { parseLine } from '../../src/protocol/parse.js';

/** 2026-01-16T06:35:32Z */
export const T0_NS = 1_768_545_332_000_000_000n;

export class TestJournal {
  private readonly writer: JournalWriter;
  private clockNs: bigint;

  constructor(
    readonly path: string,
    readonly start: {
      uuid: string;
      loop?: number;
      loops?: number;
      metaJson?: Record<string, unknown>;
      startNs?: bigint;
      /** Where the run's output goes (what `rex recover` writes to without `-o`). */
      outputDir?: string;
    },
  ) {
    this.clockNs = start.startNs ?? T0_NS;
    const record: RunStartRecord = {
      uuid: start.uuid,
      loop: start.loop ?? 0,
      loops: start.loops ?? 1,
      startTimeNs: this.clockNs.toString(),
      outputDir: start.outputDir ?? '/nowhere',
      dryRun: false,
      ...(start.metaJson ? { metaJson: start.metaJson } : {}),
      run: {},
    };
    this.writer = JournalWriter.create(path, [encodeJsonRecord(RecordType.RunStart, record, this.clockNs)], { syncIntervalMs: 0 });
  }

  /** Appends an accepted line; its arrival time is the previous one + `afterMs`. Returns that arrival time. */
  line(message: unknown, afterMs = 1): bigint {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    const parsed = parseLine(text);
    const kind =
      parsed.kind === 'device'
        ? LineKind.Device
        : parsed.kind === 'session'
          ? LineKind.Session
          : parsed.kind === 'result'
            ? LineKind.Result
            : null;
    if (kind === null) throw new Error(`not a data line (${parsed.kind}): ${text.slice(0, 200)}`);
    this.clockNs += BigInt(afterMs) * 1_000_000n;
    this.writer.append([encodeRecord({ type: RecordType.Line, flags: kind, connId: 1, arrivalNs: this.clockNs, streamOffset: 0n }, text)]);
    return this.clockNs;
  }

  /** Many device lines at once (one write). */
  lines(messages: readonly unknown[]): void {
    this.writer.append(
      messages.map((message) => {
        this.clockNs += 1_000_000n;
        return encodeRecord(
          { type: RecordType.Line, flags: LineKind.Device, connId: 1, arrivalNs: this.clockNs, streamOffset: 0n },
          JSON.stringify(message),
        );
      }),
    );
  }

  end(): bigint {
    this.clockNs += 1_000_000n;
    this.writer.append([
      encodeJsonRecord(
        RecordType.RunEnd,
        { endTimeNs: this.clockNs.toString(), reason: 'script-exit', exitCode: 0, signal: null },
        this.clockNs,
      ),
    ]);
    return this.clockNs;
  }

  close(): void {
    this.writer.close();
  }
}

/** `epochNs` as ClickHouse prints a DateTime64(6, 'UTC'): `2026-01-16 06:35:32.001000`. */
export function chTime(epochNs: bigint): string {
  const micros = epochNs / 1000n;
  const date = new Date(Number(micros / 1000n));
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
}
