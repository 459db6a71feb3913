/**
 * `rex completion bash|zsh|fish`: a shell completion script generated from commander's own
 * command tree (commands, options, argument choices), so it never falls out of step with the CLI.
 * No completion library fits commander 14 without an outside tool; the scripts are small.
 */
import type { Command } from 'commander';

type CompletionShell = 'bash' | 'zsh' | 'fish';

interface Word {
  name: string;
  description: string;
}

interface OptionWord {
  description: string;
  short: string | undefined;
  long: string | undefined;
  /** The option is followed by a value: one of `choices`, else a file name. */
  takesValue: boolean;
  choices: readonly string[] | undefined;
}

/** One command of the tree: where it is, what follows it. */
interface Node {
  /** `rex`, `rex run`, `rex db init`, … */
  path: string;
  commands: Word[];
  options: OptionWord[];
  /** What a positional argument may be: its choices, `files`, or nothing. */
  args: readonly string[] | 'files' | 'none';
}

/** Every visible command of `program` (the root first), as the shells need them. */
function nodesOf(program: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (command: Command, path: string): void => {
    const help = command.createHelp();
    const subcommands = help.visibleCommands(command);
    const firstArg = command.registeredArguments[0];
    nodes.push({
      path,
      commands: subcommands.map((c) => ({ name: c.name(), description: c.description() })),
      options: help.visibleOptions(command).map((o) => ({
        description: o.description,
        short: o.short,
        long: o.long,
        takesValue: o.required || o.optional,
        choices: o.argChoices,
      })),
      args: firstArg?.argChoices ?? (firstArg ? 'files' : 'none'),
    });
    // commander's implicit `help` command has no tree of its own.
    for (const sub of subcommands) if (command.commands.includes(sub)) visit(sub, `${path} ${sub.name()}`);
  };
  visit(program, program.name());
  return nodes;
}

export function completionScript(shell: CompletionShell, program: Command): string {
  const nodes = nodesOf(program);
  const name = program.name();
  switch (shell) {
    case 'bash':
      return bashScript(name, nodes);
    case 'zsh':
      return zshScript(name, nodes);
    case 'fish':
      return fishScript(name, nodes);
  }
}

const flagsOf = (options: OptionWord[], which: (o: OptionWord) => boolean = () => true): string[] =>
  options.filter(which).flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));

/** The options followed by a value, grouped: each set of choices, then those taking a file name. */
function valueGroups(options: OptionWord[]): Array<{ flags: string[]; choices: readonly string[] | undefined }> {
  const groups = options.filter((o) => o.takesValue && o.choices).map((o) => ({ flags: flagsOf([o]), choices: o.choices }));
  const files = flagsOf(options, (o) => o.takesValue && !o.choices);
  return files.length > 0 ? [...groups, { flags: files, choices: undefined }] : groups;
}

/** The patterns of the command paths below the root (`rex run`, `rex db init`, …), joined by `|`. */
function pathCases(nodes: Node[], pattern: (path: string) => string): string {
  return nodes
    .slice(1)
    .map((n) => pattern(n.path))
    .join('|');
}

function bashScript(name: string, nodes: Node[]): string {
  const fn = `_${name}_completion`;
  const cases = nodes.map((n) => {
    const words = n.args === 'files' || n.args === 'none' ? n.commands.map((c) => c.name) : [...n.commands.map((c) => c.name), ...n.args];
    const values = valueGroups(n.options).map(
      (g) => `        ${g.flags.join('|')}) ${g.choices ? `COMPREPLY=($(compgen -W "${g.choices.join(' ')}" -- "$cur")); ` : ''}return ;;`,
    );
    return [
      `    "${n.path}")`,
      values.length > 0 ? `      case "$prev" in\n${values.join('\n')}\n      esac` : '',
      `      if [[ "$cur" == -* ]]; then words="${flagsOf(n.options).join(' ')}"; else words="${words.join(' ')}"; fi`,
      '      ;;',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return `# ${name} completion for bash: source <(${name} completion bash), or save it in
# /etc/bash_completion.d/${name} or ~/.local/share/bash-completion/completions/${name}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" at="${name}" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "$at \${COMP_WORDS[i]}" in
      ${pathCases(nodes, (p) => `"${p}"`)}) at="$at \${COMP_WORDS[i]}" ;;
    esac
  done
  case "$at" in
${cases.join('\n')}
  esac
  # Nothing to offer (an option's value, a script): the shell completes file names (-o default).
  [[ -n "$words" ]] && COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

/** A zsh single-quoted word. */
const zq = (text: string): string => `'${text.replace(/'/g, "'\\''")}'`;

function zshScript(name: string, nodes: Node[]): string {
  const cases = nodes.map((n) => {
    const values = valueGroups(n.options).map(
      (g) =>
        `      if [[ \${words[CURRENT-1]} == (${g.flags.join('|')}) ]]; then ${g.choices ? `compadd -- ${g.choices.join(' ')}` : '_files'}; return; fi`,
    );
    const options = n.options.flatMap((o) => [o.short, o.long].filter(Boolean).map((f) => zq(`${f}:${o.description}`)));
    const commands = n.commands.map((c) => zq(`${c.name}:${c.description}`));
    const rest =
      n.args === 'files'
        ? '_files'
        : n.args === 'none'
          ? commands.length > 0
            ? '_describe command cmds'
            : ':'
          : `compadd -- ${n.args.join(' ')}`;
    return [
      `    (${zq(n.path)})`,
      ...values,
      `      opts=(${options.join(' ')})`,
      `      cmds=(${commands.join(' ')})`,
      `      if [[ $PREFIX == -* ]]; then _describe option opts; else ${rest}; fi`,
      '      ;;',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return `#compdef ${name}
# ${name} completion for zsh: source <(${name} completion zsh), or save it as _${name} in a folder of $fpath
_${name}() {
  # Not path, options or commands: zsh's special parameters.
  local at=${name} i
  local -a opts cmds
  for ((i = 2; i < CURRENT; i++)); do
    case "$at \${words[i]}" in
      (${pathCases(nodes, (p) => zq(p))}) at="$at \${words[i]}" ;;
    esac
  done
  case $at in
${cases.join('\n')}
  esac
}
# Autoloaded from $fpath the file is _${name}'s body: complete now; sourced, register it.
if [ "$funcstack[1]" = "_${name}" ]; then _${name} "$@"; else compdef _${name} ${name}; fi
`;
}

/** A fish single-quoted word. */
const fq = (text: string): string => `'${text.replace(/[\\']/g, '\\$&')}'`;

function fishScript(name: string, nodes: Node[]): string {
  const lines = [
    `# ${name} completion for fish: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `complete -c ${name} -f`,
  ];
  for (const n of nodes) {
    const chain = n.path.split(' ').slice(1);
    const below = nodes.filter((m) => m.path.startsWith(`${n.path} `)).map((m) => m.path.split(' ').at(-1)!);
    // At this node: every command of its path typed, none of those below it.
    const condition = [
      chain.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${chain.at(-1)}`,
      ...(chain.length > 1 ? [`__fish_seen_subcommand_from ${chain.at(-2)}`] : []),
      ...(chain.length > 0 && below.length > 0 ? [`not __fish_seen_subcommand_from ${[...new Set(below)].join(' ')}`] : []),
    ].join('; and ');
    const at = `complete -c ${name} -n ${fq(condition)}`;
    for (const c of n.commands) lines.push(`${at} -a ${c.name} -d ${fq(c.description)}`);
    for (const o of n.options) {
      const flags = [o.short && `-s ${o.short.slice(1)}`, o.long && `-l ${o.long.slice(2)}`].filter(Boolean).join(' ');
      const value = !o.takesValue ? '' : o.choices ? ` -x -a ${fq(o.choices.join(' '))}` : ' -r -F';
      lines.push(`${at} ${flags}${value} -d ${fq(o.description)}`);
    }
    if (n.args === 'files') lines.push(`${at} -F`);
    else if (n.args !== 'none') lines.push(`${at} -a ${fq(n.args.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}
