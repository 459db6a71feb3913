import fs from 'node:fs';
import { distFile } from '../runtime/dist-file.js';

/** rex-daq's version, from the package.json beside dist/ (or src/ under tests). */
export function rexVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(distFile('../package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
