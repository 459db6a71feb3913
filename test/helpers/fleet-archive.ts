/**
 * The hub's side of a fleet test: `rex fleet archive DIR --once` (its own durable consumer) and the
 * check that an archived file is its station's, byte for byte (docs/fleet.md, "The archive").
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runRex, type RexWorkspace } from './rex-cli.js';

/** Archives into `dir` what the stream holds, as the user of `config` (a `[fleet]` section); `args`: `--node`, `--durable`. */
export async function archiveOnce(ws: RexWorkspace, dir: string, config: string, args: string[] = []): Promise<void> {
  const configFile = path.join(ws.dir, `archive-${path.basename(dir)}.toml`);
  fs.writeFileSync(configFile, config);
  const result = await runRex(ws, ['fleet', 'archive', dir, '--once', ...args, '--config-file', configFile]);
  expect(result.code, result.stderr).toBe(0);
}

export function expectSameBytes(archived: string[], station: string[]): void {
  expect(archived.map((f) => path.basename(f))).toEqual(station.map((f) => path.basename(f)));
  for (const [i, file] of archived.entries()) expect(fs.readFileSync(file).equals(fs.readFileSync(station[i]!)), file).toBe(true);
}
