/**
 * The pure parts of the ClickHouse schema handling: what counts as a usable existing table, what
 * drops retried inserts, how user-given table names are quoted.
 */
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/host/run/clickhouse-drain.js';
import { COLUMNS, compareColumns, createTableStatement, deduplicates, quoteTableName } from '../../src/actors/clickhouse-writer/schema.js';

describe('ClickHouse schema', () => {
  it("accepts the original's schemas: v1.0 (String times) and the newest (DateTime64 times)", () => {
    expect(compareColumns('session', COLUMNS.session)).toEqual({ missing: [], differing: [] });
    const newest = COLUMNS.session.map((c) => (c.name.endsWith('_time') ? { ...c, type: "DateTime64(6, 'UTC')" } : c));
    expect(compareColumns('session', newest)).toEqual({ missing: [], differing: [] });
  });

  it('reports missing columns (inserts would fail) apart from differing types (the server may convert)', () => {
    const actual = COLUMNS.measurement
      .filter((c) => c.name !== 'channel_unit')
      .map((c) => (c.name === 'value' ? { ...c, type: 'Float32' } : c));
    expect(compareColumns('measurement', actual)).toEqual({
      missing: ['channel_unit'],
      differing: [{ name: 'value', expected: 'Float64', actual: 'Float32' }],
    });
  });

  it('knows which engines drop a retried insert carrying the same token', () => {
    expect(deduplicates('MergeTree', 'MergeTree ORDER BY session_id SETTINGS index_granularity = 8192')).toBe(false);
    expect(deduplicates('MergeTree', 'MergeTree ORDER BY session_id SETTINGS non_replicated_deduplication_window = 0')).toBe(false);
    expect(
      deduplicates('MergeTree', 'MergeTree ORDER BY a SETTINGS index_granularity = 8192, non_replicated_deduplication_window = 10000'),
    ).toBe(true);
    expect(deduplicates('ReplicatedMergeTree', "ReplicatedMergeTree('/t', 'r') ORDER BY a")).toBe(true);
    expect(deduplicates('SharedMergeTree', 'SharedMergeTree ORDER BY a')).toBe(true);
  });

  it('quotes configured table names, with an optional database part', () => {
    expect(quoteTableName('measurement_data')).toBe('`measurement_data`');
    expect(quoteTableName('lab.measurement_data')).toBe('`lab`.`measurement_data`');
    expect(quoteTableName('odd`name')).toBe('`odd\\`name`');
    expect(createTableStatement('device', 'lab.devices')).toBe(
      'CREATE TABLE IF NOT EXISTS `lab`.`devices` (\n    session_id UUID,\n    device_name String,\n    device_config JSON\n) ENGINE = MergeTree ORDER BY session_id\n' +
        'SETTINGS non_replicated_deduplication_window = 10000',
    );
  });

  it('progress lines say how far the run is stored and why it waits', () => {
    const status = {
      runOver: true,
      caughtUp: false,
      journals: 1,
      journalsDone: 0,
      measurementRows: 1_234_567,
      bytesDone: 62,
      bytesTotal: 100,
      lastError: null,
      failingSince: null,
      needsUser: false,
    };
    expect(progressLine(status)).toBe(
      'ClickHouse: 62% of the run stored (1,234,567 measurement rows stored) — Ctrl-C stops waiting, the rest stays in the journal',
    );
    expect(progressLine({ ...status, lastError: 'cannot reach ClickHouse at http://db:8123: connection refused' })).toContain(
      '; waiting for the database: cannot reach ClickHouse at http://db:8123: connection refused',
    );
    expect(progressLine({ ...status, caughtUp: true })).toBe('ClickHouse: all rows stored (1,234,567 measurement rows stored)');
  });
});
