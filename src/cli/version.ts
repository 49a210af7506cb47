import { defineCommand } from "citty";
import { buildInfo } from "../build-info.ts";
import { jsonFlag } from "./flags.ts";
import { printJson, printLine } from "./output.ts";

export default defineCommand({
  meta: { name: "version", description: "Print airlock's version, commit, Bun version and build target" },
  args: { ...jsonFlag },
  run({ args }) {
    const info = {
      version: buildInfo.version,
      commit: buildInfo.commit,
      bun: Bun.version,
      target: buildInfo.target,
    };
    if (args.json) printJson(info);
    else printLine(`airlock ${info.version} (commit ${info.commit}, bun ${info.bun}, ${info.target})`);
    return 0;
  },
});
