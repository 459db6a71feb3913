/**
 * The `--config` argument as the CLI sees it before anything is converted (./provided-config.ts,
 * loaded only for a JSON argument): which kind it is, and the error that names what is wrong.
 */
export class ProvidedConfigError extends Error {
  override readonly name = 'ProvidedConfigError';
  readonly code = 'REX_PROVIDED_CONFIG_INVALID';
}

/**
 * Whether a `--config` argument is JSON rather than a path: its first non-blank character is `{`.
 * The original tried the argument as an existing path first and as JSON second; a path that
 * starts with `{` is the only case where the two rules differ.
 */
export function isJsonArgument(arg: string): boolean {
  return arg.trimStart().startsWith('{');
}
