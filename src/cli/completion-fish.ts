import type { FlagNode } from "./command-tree.ts";
import { type CompletionRow, fishQuote, summary, valueFlags } from "./completion-table.ts";

/** What follows a flag: a file (-r -F), a directory, one of the choices, or free text (-x: no file names). */
function valueOptions(flag: FlagNode): string {
  switch (flag.value.kind) {
    case "none":
      return "";
    case "file":
      return " -r -F";
    case "dir":
      return ` -x -a ${fishQuote("(__fish_complete_directories)")}`;
    case "choice":
      return ` -x -a ${fishQuote(flag.value.words.join(" "))}`;
    case "text":
      return " -x";
  }
}

/** A fish completion script: `complete` lines whose condition is the command path typed so far. */
export function fishScript(rows: readonly CompletionRow[], header: string): string {
  const subcommandCases = rows
    .filter((r) => r.subcommands.length > 0)
    .map(
      (r) =>
        `        case ${fishQuote(r.path)}\n            printf '%s\\n' ${r.subcommands.map((s) => fishQuote(s.name)).join(" ")}`,
    );
  const valueKeys = valueFlags(rows).map(({ key }) => fishQuote(key));
  const completes = rows.flatMap((r) => {
    const at = `-n ${fishQuote(`__airlock_at ${fishQuote(r.path)}`)}`;
    return [
      ...r.subcommands.map(
        (s) => `complete -c airlock ${at} -f -a ${fishQuote(s.name)} -d ${fishQuote(s.summary)}`,
      ),
      ...r.flags.map(
        (f) =>
          `complete -c airlock ${at} -l ${fishQuote(f.flag.slice(2))}${valueOptions(f)} -d ${fishQuote(summary(f.description))}`,
      ),
    ];
  });
  return `${header}

# The subcommands after a command path ('' is airlock itself), one a line.
function __airlock_subcommands --argument-names cmdpath
    switch $cmdpath
${subcommandCases.join("\n")}
    end
end

# Whether 'path:--flag' takes a value (the next word).
function __airlock_value_flag --argument-names key
    contains -- $key ${valueKeys.join(" ")}
end

# The command path typed so far: words that name a subcommand of the path before them. Other words are
# operands, and a flag's value is skipped, so it is never taken for a command. After --, the program's own
# arguments begin and no path matches.
function __airlock_path
    set -l cmdpath ''
    set -l skip 0
    set -l words (commandline -opc)
    set -e words[1]
    for word in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $word
            case --
                printf '%s\\n' --
                return
            case '-*'
                __airlock_value_flag "$cmdpath:$word"; and set skip 1
            case '*'
                if contains -- $word (__airlock_subcommands $cmdpath)
                    if test -z "$cmdpath"
                        set cmdpath $word
                    else
                        set cmdpath "$cmdpath $word"
                    end
                end
        end
    end
    printf '%s\\n' $cmdpath
end

function __airlock_at --argument-names expected
    set -l cmdpath (__airlock_path)
    test "$cmdpath" = "$expected"
end

complete -c airlock -e
${completes.join("\n")}
`;
}
