// `airlock hook-util`: what a hook script needs from JSON, hashing and clocks, so hooks-examples/ run on a
// host with only airlock and a POSIX shell (no jq, no GNU date). hooks-examples/README.md documents it.
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import {
  getPath,
  HookUtilError,
  parseAssignment,
  parseJson,
  plainText,
  setPath,
  shellWords,
} from "../hooks/json-path.ts";
import { EXIT } from "./exit-codes.ts";

const get = defineCommand({
  meta: {
    name: "get",
    description:
      "Print the value at a dotted path of the JSON on stdin (params.args.0): strings raw, null as empty, the rest as JSON; exit 1 if absent",
  },
  args: {
    path: {
      type: "positional",
      required: true,
      description: "dotted path; numbers index arrays",
      valueHint: "PATH",
    },
    sh: {
      type: "boolean",
      description: 'print shell-quoted words (an array: one per element), for eval "set -- $(…)"',
      default: false,
    },
    newline: {
      type: "boolean",
      description: "end with a newline (--no-newline: print exactly)",
      default: true,
    },
  },
  async run({ args }) {
    const value = getPath(parseJson(await stdinText()), args.path);
    if (value === undefined) throw new HookUtilError(`no value at '${args.path}'`);
    const text = args.sh ? shellWords(value) : plainText(value);
    process.stdout.write(args.newline ? `${text}\n` : text);
    return EXIT.ok;
  },
});

const sha256 = defineCommand({
  meta: {
    name: "sha256",
    description:
      "Print the SHA-256 (hex) of stdin; with paths, of the JSON array of those values from the JSON on stdin",
  },
  args: { paths: { type: "positional", required: false, description: "dotted paths", valueHint: "PATH…" } },
  async run({ rawArgs }) {
    const paths = rawArgs.filter((a) => !a.startsWith("-"));
    const input = await Bun.stdin.bytes();
    let hashed: Uint8Array | string = input;
    if (paths.length > 0) {
      const document = parseJson(new TextDecoder().decode(input));
      const values = paths.map((path) => {
        const value = getPath(document, path);
        if (value === undefined) throw new HookUtilError(`no value at '${path}'`);
        return value;
      });
      hashed = JSON.stringify(values);
    }
    process.stdout.write(`${createHash("sha256").update(hashed).digest("hex")}\n`);
    return EXIT.ok;
  },
});

const json = defineCommand({
  meta: {
    name: "json",
    description:
      "Print a JSON object built from key=text, key=@file (the file's text) and key:=json arguments; dotted keys nest",
  },
  args: {
    assignments: { type: "positional", required: false, description: "key=value…", valueHint: "KEY=VALUE…" },
  },
  run({ rawArgs }) {
    const object: Record<string, unknown> = {};
    for (const argument of rawArgs) {
      const { key, value } = parseAssignment(argument, readText);
      setPath(object, key, value);
    }
    process.stdout.write(`${JSON.stringify(object)}\n`);
    return EXIT.ok;
  },
});

const now = defineCommand({
  meta: {
    name: "now",
    description: "Print the time in whole seconds since the epoch (POSIX date has no %s)",
  },
  run() {
    process.stdout.write(`${Math.floor(Date.now() / 1000)}\n`);
    return EXIT.ok;
  },
});

const age = defineCommand({
  meta: {
    name: "age",
    description: "Print how many whole seconds ago a file was last modified; exit 1 if absent",
  },
  args: { file: { type: "positional", required: true, description: "the file", valueHint: "FILE" } },
  run({ args }) {
    let modified: number;
    try {
      modified = statSync(args.file).mtimeMs;
    } catch {
      throw new HookUtilError(`no file ${args.file}`);
    }
    process.stdout.write(`${Math.max(0, Math.floor((Date.now() - modified) / 1000))}\n`);
    return EXIT.ok;
  },
});

export default defineCommand({
  meta: {
    name: "hook-util",
    description: "Helpers for hook scripts (JSON on stdin, hashes, time); see hooks-examples/README.md",
  },
  subCommands: { get, sha256, json, now, age },
});

async function stdinText(): Promise<string> {
  return new TextDecoder().decode(await Bun.stdin.bytes());
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new HookUtilError(`cannot read ${path}`);
  }
}
