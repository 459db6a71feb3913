/** `rex run`'s exit status in words (codes from src/cli/exit-codes.ts). Pure. */

const EXIT_MEANINGS: Record<number, string> = {
  0: 'ok',
  1: 'the script failed',
  2: 'bad command line or config, nothing started',
  3: 'session validation failed',
  4: 'rex failed, journal kept',
  130: 'interrupted',
  143: 'terminated',
};

export function describeRunExit(exitCode: number | null, signal: string | null): string {
  if (exitCode !== null) return `exit code ${exitCode}${EXIT_MEANINGS[exitCode] ? ` (${EXIT_MEANINGS[exitCode]})` : ''}`;
  return signal ? `killed by ${signal}` : 'no exit status';
}
