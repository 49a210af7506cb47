import { type ArgsDef, type CommandDef, defineCommand, renderUsage } from "citty";
import { didYouMean } from "../config/suggest.ts";
import { subCommandsOf } from "./command-tree.ts";
import { EXIT } from "./exit-codes.ts";
import { plain, root } from "./index.ts";
import { printLine, UsageError } from "./output.ts";

export default defineCommand({
  meta: {
    name: "help",
    description:
      "Print the usage of airlock, or of a command: `airlock help profile show` is `airlock profile show --help`",
  },
  args: {
    command: { type: "positional", required: false, description: "a command, then its subcommand" },
  },
  async run({ rawArgs }) {
    const words = rawArgs.filter((a) => a !== "--");
    let def: CommandDef<ArgsDef> = root;
    let parent: CommandDef<ArgsDef> | undefined;
    for (const [i, word] of words.entries()) {
      const subs = await subCommandsOf(def);
      const load = subs.get(word);
      if (load === undefined) throw unknownCommand(words.slice(0, i), word, [...subs.keys()]);
      parent = def;
      def = await load();
    }
    printLine(plain(await renderUsage(def, parent)));
    return EXIT.ok;
  },
});

function unknownCommand(before: string[], word: string, known: string[]): UsageError {
  const where = ["airlock", ...before].join(" ");
  if (known.length === 0) return new UsageError(`\`${where}\` has no subcommands; see \`${where} --help\``);
  const guess = didYouMean(word, known);
  const hint = guess === undefined ? "" : `did you mean '${guess}'? `;
  const list = ["airlock help", ...before].join(" ");
  return new UsageError(
    `unknown command '${[...before, word].join(" ")}'; ${hint}run \`${list}\` for the list`,
  );
}
