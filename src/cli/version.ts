import fs from 'node:fs';

/** rex-daq's version, from the package.json beside dist/ (or src/ under tests). */
export function rexVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
