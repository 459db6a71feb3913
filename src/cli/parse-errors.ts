/**
 * What the argument parser says when a command line is wrong: one line naming the problem and
 * where help is, exit code 2 (1 means "the script failed"). `--help` and `--version` exit 0.
 */
import { type Command, type CommanderError, InvalidArgumentError } from 'commander';
import { EXIT } from './exit-codes.js';

/** `rex run`, `rex db push`, ...: the command as typed. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Commander's message in one line. "option '-P, --port <port>' argument '99999' is invalid. must
 * be 1–65535" reads "option '-P, --port <port>' must be 1–65535, got '99999'".
 */
export function parseErrorLine(text: string): string {
  const line = text.trim().replace(/\s*\n\s*/g, ' ');
  const invalid = /^error: option '(.+?)' argument '(.*)' is invalid\. (.*)$/s.exec(line);
  if (!invalid) return line;
  const [, flags, value, why] = invalid;
  const choices = /^Allowed choices are (.*)\.$/.exec(why!);
  return `error: option '${flags}' ${choices ? `must be one of ${choices[1]}` : why}, got '${value}'`;
}

/** Applies to `program` and every command under it; call once all commands are added. */
export function reportParseErrors(program: Command): void {
  const visit = (command: Command): void => {
    command
      .exitOverride()
      .showHelpAfterError(false)
      .configureOutput({ outputError: (text, write) => write(`rex: ${parseErrorLine(text)} (see ${commandPath(command)} --help)\n`) });
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
}

/** The exit code for what the parser threw (its message is already written). */
export function parseErrorExitCode(error: CommanderError): number {
  // 0: --help, --version. Otherwise a bad command line; `rex` alone prints its help and lands here too.
  return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
}

/** Option value parsers: their message completes "option '-x' ..., got 'value'". */
export const parseArg = {
  whole:
    (min = 0) =>
    (text: string): number => {
      const value = Number(text);
      if (!/^\s*\d+\s*$/.test(text) || value < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}`);
      return value;
    },
  minutes: (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new InvalidArgumentError('must be a number of minutes ≥ 0');
    return value;
  },
  port: (text: string): number => {
    const value = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || value < 1 || value > 65535) throw new InvalidArgumentError('must be 1–65535');
    return value;
  },
};
