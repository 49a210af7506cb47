// `airlock help` and `airlock completion`: the completion scripts are sourced into real bash, zsh and fish
// (CI installs them, .ci/run), which are asked what they would offer for a half-typed line.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { runAirlock, runProgram } from "../helpers/binary.ts";
import { type TempTree, tempTree } from "../helpers/temp-tree.ts";

type Shell = "bash" | "zsh" | "fish";

function requireShell(shell: Shell): string {
  const path = Bun.which(shell);
  if (!path) throw new Error(`${shell} is not installed: these tests run it (apt-get install bash zsh fish)`);
  return path;
}

/** The lines of a usage text's section (OPTIONS, COMMANDS), up to the next blank line after them. */
function section(usage: string, title: string): string[] {
  const lines = usage.split("\n");
  const start = lines.indexOf(title);
  if (start === -1) return [];
  const end = lines.findIndex((line, i) => i > start + 1 && line.trim() === "");
  return lines.slice(start + 2, end === -1 ? undefined : end);
}

/** Command names listed in a usage text (a row is a name, two spaces, a description; wrapped lines are not). */
const commandsIn = (usage: string) =>
  section(usage, "COMMANDS").flatMap((line) => /^\s*(\S+)\s{2,}\S/.exec(line)?.[1] ?? []);

/** The long flags a usage text lists (`-f, --follow`: --follow), as completion offers them, with --help. */
function longFlagsIn(usage: string): string[] {
  const rows = section(usage, "OPTIONS").filter((line) => line.trim().startsWith("-"));
  const flags = rows.flatMap((line) => {
    const spelled = line.trim().split(/\s{2,}/)[0] ?? "";
    return [...spelled.matchAll(/(?:^|[\s,])-{1,2}([a-z0-9][\w-]+)/g)].map((m) => `--${m[1]}`);
  });
  return [...flags, "--help"].sort();
}

/** Every command path the root usage leads to: `status`, `profile`, `profile show`, … */
async function commandPaths(): Promise<string[][]> {
  const paths: string[][] = [];
  const visit = async (path: string[]) => {
    const r = await runAirlock([...path, "--help"]);
    for (const name of commandsIn(r.stdout)) {
      paths.push([...path, name]);
      await visit([...path, name]);
    }
  };
  await visit([]);
  return paths;
}

let scripts: TempTree;
let paths: string[][];

beforeAll(async () => {
  scripts = await tempTree({});
  mkdirSync(scripts.at("somedir"));
  writeFileSync(scripts.at("somefile"), "");
  for (const shell of ["bash", "zsh", "fish"] as const) {
    const r = await runAirlock(["completion", shell]);
    if (r.exitCode !== 0) throw new Error(`airlock completion ${shell}: exit ${r.exitCode}: ${r.stderr}`);
    writeFileSync(scripts.at(`airlock.${shell}`), r.stdout);
  }
  mkdirSync(scripts.at("zfunc"));
  writeFileSync(scripts.at("zfunc/_airlock"), await Bun.file(scripts.at("airlock.zsh")).text());
  paths = await commandPaths();
});

afterAll(async () => {
  await scripts[Symbol.asyncDispose]();
});

const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** What bash's completion function leaves in COMPREPLY for `line` (the cursor at its end). */
async function bashOffers(line: string): Promise<string[]> {
  const words = line.split(" ");
  const program = [
    `source ${sq(scripts.at("airlock.bash"))}`,
    `COMP_WORDS=(${words.map(sq).join(" ")}); COMP_CWORD=${words.length - 1}; COMP_LINE=${sq(line)}`,
    "COMPREPLY=(); _airlock",
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join("\n");
  const r = await runProgram([requireShell("bash"), "--norc", "--noprofile", "-c", program], {
    cwd: scripts.path,
  });
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean).sort();
}

/** The candidates fish lists for `line`: `complete -C`, first column. */
async function fishOffers(line: string): Promise<string[]> {
  const r = await runProgram(
    [
      requireShell("fish"),
      "--no-config",
      "-c",
      "source $argv[1]; complete -C $argv[2]",
      scripts.at("airlock.fish"),
      line,
    ],
    { cwd: scripts.path },
  );
  expect(r.stderr).toBe("");
  return r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t")[0] ?? "")
    .sort();
}

// zsh completes only inside its line editor: an interactive zsh on a pseudo-terminal (zpty) gets each line
// and a Tab, with compadd wrapped to write down every match it is given before it adds them. Keys are sent
// only once the prompt a step asked for is drawn: the editor is reading then, and the terminal is in raw
// mode (typed ahead, a Tab would go to the terminal's line discipline, and ^U would erase the line). So no
// step depends on timing.
const ZSH_DRIVER = String.raw`
zmodload zsh/zpty
load=$1 out=$2; shift 2
zpty z zsh -f -i
zpty -w z "unsetopt autolist listambiguous; setopt nobeep"
zpty -w z "$load"
zpty -w z 'compadd() {
  if (( $@[(I)-[OAD]] )); then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -O __hits "$@"
  (( $#__hits )) && print -rl -- $__hits >> $CANDIDATES
  builtin compadd "$@"
}'
i=0
for line in "$@"; do
  (( i++ ))
  zpty -w z "CANDIDATES=$out/$i; : > \$CANDIDATES; PS1='ta''b$i> '"
  zpty -r z reply "*tab$i> *"
  zpty -w -n z "$line"$'	'
  zpty -w z $'\C-u'"PS1='do''ne$i> '"
  zpty -r z reply "*done$i> *"
done
zpty -d z
`;

/** What zsh's completion system offers for each line, installed by `source` or from `fpath`. */
async function zshOffers(lines: string[], install: "source" | "fpath" = "source"): Promise<string[][]> {
  const load =
    install === "source"
      ? `autoload -U compinit; compinit -u -D; source ${sq(scripts.at("airlock.zsh"))}`
      : `fpath=(${sq(scripts.at("zfunc"))} $fpath); autoload -U compinit; compinit -u -D`;
  await using out = await tempTree({});
  const r = await runProgram([requireShell("zsh"), "-f", "-c", ZSH_DRIVER, "zsh", load, out.path, ...lines], {
    cwd: scripts.path,
  });
  expect(r.exitCode).toBe(0);
  // Awaited here: `out` is removed when this function returns.
  return await Promise.all(
    lines.map(async (_, i) => {
      const text = await Bun.file(out.at(String(i + 1))).text();
      return [...new Set(text.split("\n").filter(Boolean))].sort();
    }),
  );
}

describe("airlock help", () => {
  test("every usage text fits 80 columns", async () => {
    for (const path of [[], ...paths]) {
      const r = await runAirlock([...path, "--help"]);
      const wide = r.stdout.split("\n").filter((line) => line.length > 80);
      expect({ command: path.join(" "), wide }).toEqual({ command: path.join(" "), wide: [] });
    }
  });

  test("airlock help prints what airlock --help prints, exit 0", async () => {
    const help = await runAirlock(["help"]);
    const flag = await runAirlock(["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toBe(flag.stdout);
    expect(help.stdout).toContain("USAGE airlock");
  });

  test("airlock help show prints what airlock show --help prints", async () => {
    const help = await runAirlock(["help", "show"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toBe((await runAirlock(["show", "--help"])).stdout);
    expect(help.stdout).toContain("USAGE airlock show");
  });

  test("airlock help X prints what airlock X --help prints, exit 0, for every command and subcommand", async () => {
    expect(paths).toContainEqual(["profile", "show"]);
    expect(paths).toContainEqual(["help"]);
    expect(paths).toContainEqual(["completion"]);
    for (const path of paths) {
      const help = await runAirlock(["help", ...path]);
      const flag = await runAirlock([...path, "--help"]);
      expect({ path, exitCode: flag.exitCode }).toEqual({ path, exitCode: 0 });
      expect({ path, exitCode: help.exitCode, stdout: help.stdout }).toEqual({
        path,
        exitCode: 0,
        stdout: flag.stdout,
      });
    }
  });

  test("airlock help nosuch is a usage error that points to the list", async () => {
    const r = await runAirlock(["help", "nosuch"]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("unknown command 'nosuch'");
    expect(r.stderr).toContain("airlock help");
    expect(r.stderr).not.toContain("did you mean");
  });

  test("airlock help shwo suggests show, and airlock help profile lst suggests list", async () => {
    const command = await runAirlock(["help", "shwo"]);
    expect(command.exitCode).toBe(2);
    expect(command.stderr).toContain("did you mean 'show'?");
    const sub = await runAirlock(["help", "profile", "lst"]);
    expect(sub.exitCode).toBe(2);
    expect(sub.stderr).toContain("unknown command 'profile lst'; did you mean 'list'?");
  });

  test("airlock help status extra is a usage error: status has no subcommands", async () => {
    const r = await runAirlock(["help", "status", "extra"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("`airlock status` has no subcommands");
  });
});

describe("airlock completion", () => {
  test("an unknown shell is a usage error that names bash, zsh and fish", async () => {
    for (const args of [["completion", "tcsh"], ["completion"]]) {
      const r = await runAirlock(args);
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("bash, zsh, fish");
    }
  });

  test("each script is valid for its shell", async () => {
    for (const [shell, check] of [
      ["bash", ["-n"]],
      ["zsh", ["-n"]],
      ["fish", ["--no-execute"]],
    ] as const) {
      const r = await runProgram([requireShell(shell), ...check, scripts.at(`airlock.${shell}`)]);
      expect({ shell, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ shell, exitCode: 0, stderr: "" });
    }
  });
});

describe("the bash completion", () => {
  test("registers _airlock for airlock, falling back to file names", async () => {
    const r = await runProgram([
      requireShell("bash"),
      "--norc",
      "-c",
      `source ${sq(scripts.at("airlock.bash"))}; complete -p airlock`,
    ]);
    expect(r.stdout.trim()).toBe("complete -o default -F _airlock airlock");
  });

  test("the bash completion offers 'profile' for 'airlock pro'", async () => {
    expect(await bashOffers("airlock pro")).toEqual(["profile"]);
  });

  test("offers every command for 'airlock ', the new ones included", async () => {
    const offered = await bashOffers("airlock ");
    expect(offered).toEqual(
      paths
        .filter((p) => p.length === 1)
        .map((p) => p[0] ?? "")
        .sort(),
    );
    expect(offered).toContain("help");
    expect(offered).toContain("completion");
  });

  test("offers the subcommands: list and show after 'airlock profile', get … after 'airlock hook-util'", async () => {
    expect(await bashOffers("airlock profile ")).toEqual(["list", "show"]);
    expect(await bashOffers("airlock hook-util ")).toEqual(["age", "get", "json", "now", "sha256"]);
  });

  test("offers for every command exactly the long options its --help lists", async () => {
    for (const path of paths) {
      const usage = (await runAirlock([...path, "--help"])).stdout;
      const offered = await bashOffers(["airlock", ...path, "--"].join(" "));
      expect({ path, offered }).toEqual({ path, offered: longFlagsIn(usage) });
    }
  });

  test("completes a flag's value: on|off for sandbox --network, directories for --config", async () => {
    expect(await bashOffers("airlock sandbox --network ")).toEqual(["off", "on"]);
    expect(await bashOffers("airlock init --service sy")).toEqual(["systemd"]);
    expect(await bashOffers("airlock start --config so")).toEqual(["somedir"]);
  });

  test("airlock help takes command names: 'airlock help profile s' offers show", async () => {
    expect(await bashOffers("airlock help pro")).toEqual(["profile"]);
    expect(await bashOffers("airlock help profile s")).toEqual(["show"]);
  });

  test("offers nothing of its own after --: the program's arguments are file names", async () => {
    expect(await bashOffers("airlock exec -- gi")).toEqual([]);
  });
});

describe("the zsh completion", () => {
  test("the zsh completion offers 'profile' for 'airlock pro', subcommands, flags and flag values", async () => {
    const offers = await zshOffers([
      "airlock pro",
      "airlock profile ",
      "airlock check --a",
      "airlock sandbox --network ",
      "airlock help profile s",
      "airlock start --config so",
    ]);
    expect(offers).toEqual([
      ["profile"],
      ["list", "show"],
      ["--agents"],
      ["off", "on"],
      ["show"],
      ["somedir"],
    ]);
  });

  test("works installed in fpath as _airlock (autoloaded by compinit)", async () => {
    expect(await zshOffers(["airlock pro", "airlock hook-util get --n"], "fpath")).toEqual([
      ["profile"],
      ["--newline", "--no-newline"],
    ]);
  });
});

describe("the fish completion", () => {
  test("the fish completion offers --agents for airlock check", async () => {
    expect(await fishOffers("airlock check --a")).toEqual(["--agents"]);
  });

  test("offers 'profile' for 'airlock pro', with its description", async () => {
    const r = await runProgram([
      requireShell("fish"),
      "--no-config",
      "-c",
      "source $argv[1]; complete -C 'airlock pro'",
      scripts.at("airlock.fish"),
    ]);
    expect(r.stdout).toMatch(/^profile\t\S.*\n$/);
  });

  test("offers subcommands, a flag's choices, and command names after help", async () => {
    expect(await fishOffers("airlock profile ")).toEqual(["list", "show"]);
    expect(await fishOffers("airlock sandbox --network ")).toEqual(["off", "on"]);
    expect(await fishOffers("airlock help profile s")).toEqual(["show"]);
  });

  test("offers for every command exactly the long options its --help lists", async () => {
    for (const path of paths) {
      const usage = (await runAirlock([...path, "--help"])).stdout;
      const offered = await fishOffers(["airlock", ...path, "--"].join(" "));
      expect({ path, offered }).toEqual({ path, offered: longFlagsIn(usage) });
    }
  });
});
