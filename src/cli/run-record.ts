/**
 * The `[session.run]` record (SPEC §12) as far as it is known before the script starts: what ran,
 * where, with what. The controller adds the loop index, and what takes a process to learn (the
 * interpreter's version, the git state: src/actors/controller/run-facts.ts) while the script runs.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunRecordInput {
  scriptPath: string;
  interpreter: string;
  commandLine: string[];
  rexVersion: string;
}

export async function collectRunRecord(input: RunRecordInput): Promise<Record<string, string | number | boolean>> {
  const scriptPath = path.resolve(input.scriptPath);
  const record: Record<string, string | number | boolean> = {
    script: scriptPath,
    interpreter: input.interpreter,
    command_line: input.commandLine.join(' '),
    rex_version: input.rexVersion,
    host: os.hostname(),
  };
  const sha = await sha256File(scriptPath);
  if (sha) record.script_sha256 = sha;
  return record;
}

async function sha256File(file: string): Promise<string | null> {
  try {
    return createHash('sha256')
      .update(await fs.promises.readFile(file))
      .digest('hex');
  } catch {
    return null;
  }
}
