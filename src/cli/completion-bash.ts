import { type CompletionRow, shQuote, valueFlags } from "./completion-table.ts";

/** A bash completion script: data functions generated from `rows`, and one fixed function that walks the line. */
export function bashScript(rows: readonly CompletionRow[], header: string): string {
  const lines = (words: readonly string[]) => `printf '%s\\n' ${words.map(shQuote).join(" ")}`;
  const subcommands = rows
    .filter((r) => r.subcommands.length > 0)
    .map((r) => `    ${shQuote(r.path)}) ${lines(r.subcommands.map((s) => s.name))} ;;`);
  const flags = rows
    .filter((r) => r.flags.length > 0)
    .map((r) => `    ${shQuote(r.path)}) ${lines(r.flags.map((f) => f.flag))} ;;`);
  const values = valueFlags(rows).map(({ key, flag }) => {
    const value = flag.value.kind === "choice" ? ["words", ...flag.value.words] : [flag.value.kind];
    return `    ${shQuote(key)}) ${lines(value)} ;;`;
  });
  return `${header}

# The subcommands after a command path ('' is airlock itself), one a line.
_airlock_subcommands() {
  case $1 in
${subcommands.join("\n")}
  esac
}

# The long flags of a command path, one a line.
_airlock_flags() {
  case $1 in
${flags.join("\n")}
  esac
}

# How the value after 'path:--flag' is completed: file, dir, text, or "words" and the choices; nothing for
# a switch, which takes no value.
_airlock_flag_value() {
  case $1 in
${values.join("\n")}
  esac
}

_airlock() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmdpath='' flag='' word i value
  local IFS=$'\\n'
  COMPREPLY=()
  # The command path so far: words that name a subcommand of the path before them. Other words are
  # operands, and a flag's value is skipped, so it is never taken for a command.
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ -n $flag ]]; then
      flag=''
      continue
    fi
    case $word in
      --) return 0 ;; # the program's own arguments (exec, test, sandbox): file names
      -*) [[ -n $(_airlock_flag_value "$cmdpath:$word") ]] && flag=$word ;;
      *)
        if [[ $'\\n'$(_airlock_subcommands "$cmdpath")$'\\n' == *$'\\n'"$word"$'\\n'* ]]; then
          cmdpath=\${cmdpath:+$cmdpath }$word
        fi
        ;;
    esac
  done
  if [[ -n $flag ]]; then
    value=$(_airlock_flag_value "$cmdpath:$flag")
    case $value in
      dir)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        ;;
      words*) COMPREPLY=($(compgen -W "\${value#words}" -- "$cur")) ;;
      text) compopt +o default 2>/dev/null ;;
    esac
    return 0 # file: readline's file names (complete -o default)
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_airlock_flags "$cmdpath")" -- "$cur"))
  elif [[ -n $(_airlock_subcommands "$cmdpath") ]]; then
    compopt +o default 2>/dev/null
    COMPREPLY=($(compgen -W "$(_airlock_subcommands "$cmdpath")" -- "$cur"))
  fi
  return 0
}

complete -o default -F _airlock airlock
`;
}
