import { type CompletionRow, shQuote, summary, valueFlags } from "./completion-table.ts";

/** `name:description`, as _describe reads it (a colon in the name would end it). */
const described = (name: string, description: string) =>
  shQuote(`${name.replaceAll(":", "\\:")}:${description}`);

/** A zsh completion script (compsys): for `fpath` as `_airlock`, or to source after compinit. */
export function zshScript(rows: readonly CompletionRow[], header: string): string {
  const subcommands = rows
    .filter((r) => r.subcommands.length > 0)
    .map(
      (r) =>
        `    ${shQuote(r.path)}) reply=(${r.subcommands.map((s) => described(s.name, s.summary)).join(" ")}) ;;`,
    );
  const flags = rows
    .filter((r) => r.flags.length > 0)
    .map(
      (r) =>
        `    ${shQuote(r.path)}) reply=(${r.flags.map((f) => described(f.flag, summary(f.description))).join(" ")}) ;;`,
    );
  const values = valueFlags(rows).map(({ key, flag }) => {
    const value = flag.value.kind === "choice" ? ["words", ...flag.value.words] : [flag.value.kind];
    return `    ${shQuote(key)}) reply=(${value.map(shQuote).join(" ")}) ;;`;
  });
  return `#compdef airlock
${header}

# The subcommands after a command path ('' is airlock itself), as name:description in $reply.
_airlock_subcommands() {
  case $1 in
${subcommands.join("\n")}
    *) reply=() ;;
  esac
}

# The long flags of a command path, as flag:description in $reply.
_airlock_flags() {
  case $1 in
${flags.join("\n")}
    *) reply=() ;;
  esac
}

# How the value after 'path:--flag' is completed, in $reply: file, dir, text, or "words" and the choices;
# empty for a switch, which takes no value.
_airlock_flag_value() {
  case $1 in
${values.join("\n")}
    *) reply=() ;;
  esac
}

_airlock() {
  local cmdpath='' flag='' word i
  local -a reply names candidates
  # The command path so far: words that name a subcommand of the path before them. Other words are
  # operands, and a flag's value is skipped, so it is never taken for a command.
  for (( i = 2; i < CURRENT; i++ )); do
    word=\${words[i]}
    if [[ -n $flag ]]; then
      flag=''
      continue
    fi
    case $word in
      --) _files; return ;; # the program's own arguments (exec, test, sandbox)
      -*) _airlock_flag_value "$cmdpath:$word"; (( $#reply )) && flag=$word ;;
      *)
        _airlock_subcommands "$cmdpath"
        names=(\${reply%%:*})
        (( \${names[(Ie)$word]} )) && cmdpath=\${cmdpath:+$cmdpath }$word
        ;;
    esac
  done
  if [[ -n $flag ]]; then
    _airlock_flag_value "$cmdpath:$flag"
    case $reply[1] in
      file) _files ;;
      dir) _files -/ ;;
      words) compadd -- "\${(@)reply[2,-1]}" ;;
      *) _message "value of $flag" ;;
    esac
    return
  fi
  if [[ $PREFIX == -* ]]; then
    _airlock_flags "$cmdpath"
    candidates=("\${reply[@]}")
    _describe -t options option candidates
  else
    _airlock_subcommands "$cmdpath"
    candidates=("\${reply[@]}")
    if (( $#candidates )); then _describe -t commands command candidates; else _files; fi
  fi
}

if [[ $funcstack[1] == _airlock ]]; then _airlock "$@"; else compdef _airlock airlock; fi
`;
}
