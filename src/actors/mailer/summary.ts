/** Reads an output file once, in bounded chunks, into an {@link OutputSummary} for the mail body. */
import fs from 'node:fs';
import { OutputScanner, type OutputSummary } from './output-scan.js';

export interface FileSummary extends OutputSummary {
  fileName: string;
  fileBytes: number;
}

const READ_CHUNK = 1 << 20;

export async function summarizeOutputFile(file: string): Promise<FileSummary> {
  const scanner = new OutputScanner();
  let fileBytes = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: READ_CHUNK })) {
    const bytes = chunk as Buffer;
    fileBytes += bytes.length;
    scanner.push(bytes);
  }
  return { ...scanner.finish(), fileName: baseName(file), fileBytes };
}

/** The file's name as the original attached it (the last path part). */
export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
