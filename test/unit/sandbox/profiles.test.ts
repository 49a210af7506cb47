import { describe, expect, test } from "bun:test";
import { parse } from "smol-toml";
import * as v from "valibot";
import { ConfigErrors } from "../../../src/config/errors.ts";
import { SandboxError } from "../../../src/sandbox/errors.ts";
import { creatableDirs } from "../../../src/sandbox/prepare.ts";
import {
  BUILTIN_PROFILES,
  loadProfile,
  profileCatalog,
  profileForProgram,
} from "../../../src/sandbox/profiles/load.ts";
import { ProfileFile } from "../../../src/sandbox/profiles/schema.ts";
import { tempTree } from "../../helpers/temp-tree.ts";

const NO_CONFIG = profileCatalog("/nonexistent-config-dir");

describe("built-in profiles", () => {
  test.each(Object.entries(BUILTIN_PROFILES))("%s is a valid profile file", (_name, text) => {
    const result = v.safeParse(ProfileFile, parse(text));
    expect(result.issues ?? []).toEqual([]);
  });

  test.each([
    ["claude", "agent"],
    ["codex", "agent"],
    ["aider", "agent"],
    ["opencode", "agent"],
    ["npm", "npm"],
    ["npx", "npm"],
    ["pnpm", "npm"],
    ["yarn", "npm"],
    ["bun", "npm"],
    ["/usr/local/bin/npm", "npm"],
    ["true", "default"],
    ["bash", "default"],
  ])("%s picks the %s profile", (program, profile) => {
    expect(profileForProgram(NO_CONFIG, program)).toBe(profile);
  });

  test.each(["python3", "make", "node", "trueish", "network"])("no profile claims %s", (program) => {
    expect(profileForProgram(NO_CONFIG, program)).toBeUndefined();
  });

  test("every program a built-in lists is found by the quick lookup", () => {
    for (const [name, text] of Object.entries(BUILTIN_PROFILES)) {
      const programs = (parse(text) as { programs?: string[] }).programs ?? [];
      for (const program of programs) expect(profileForProgram(NO_CONFIG, program), program).toBe(name);
    }
  });

  test("the npm profile denies the usual ways to ship data out", () => {
    const npm = loadProfile(NO_CONFIG, "npm");
    for (const program of ["curl", "wget", "nc"]) expect(npm.denyExec).toContain(program);
  });

  test("an unknown profile name is a usage error that lists the known ones", () => {
    expect(() => loadProfile(NO_CONFIG, "nope")).toThrow(SandboxError);
    expect(() => loadProfile(NO_CONFIG, "nope")).toThrow(/agent, default, npm/);
  });
});

describe("user profiles", () => {
  test("a user file with a built-in's name replaces it", async () => {
    await using dir = await tempTree({ "profiles/npm.toml": 'programs = ["npm"]\nnetwork = false\n' });
    const npm = loadProfile(profileCatalog(dir.path), "npm");
    expect(npm.network).toBe(false);
    expect(npm.denyExec).toEqual([]);
    expect(npm.origin).toEqual([dir.at("profiles/npm.toml")]);
  });

  test("extends appends lists and replaces settings; extending its own name builds on the built-in", async () => {
    await using dir = await tempTree({
      "profiles/npm.toml":
        'extends = "npm"\nnetwork = false\n[filesystem]\ndeny_exec = ["python3"]\ndeny_read = ["~/.corp"]\n',
    });
    const npm = loadProfile(profileCatalog(dir.path), "npm");
    expect(npm.network).toBe(false);
    expect(npm.denyExec).toContain("curl");
    expect(npm.denyExec).toContain("python3");
    expect(npm.denyRead).toContain("~/.corp");
    expect(npm.origin).toEqual([dir.at("profiles/npm.toml"), "built-in npm"]);
  });

  test("user profiles claim programs before the built-ins do", async () => {
    await using dir = await tempTree({ "profiles/strict-npm.toml": 'extends = "npm"\nprograms = ["npm"]\n' });
    const catalog = profileCatalog(dir.path);
    expect(profileForProgram(catalog, "npm")).toBe("strict-npm");
    expect(profileForProgram(catalog, "yarn")).toBe("npm");
    expect(loadProfile(catalog, "strict-npm").programs).toEqual(["npm"]);
  });

  test("a loop of extends is refused", async () => {
    await using dir = await tempTree({
      "profiles/a.toml": 'extends = "b"\n',
      "profiles/b.toml": 'extends = "a"\n',
    });
    expect(() => loadProfile(profileCatalog(dir.path), "a")).toThrow(/loops back/);
  });

  test("errors name the file, the key and the line", async () => {
    await using dir = await tempTree({
      "profiles/bad.toml":
        'programs = ["x"]\n\n[filesystem]\nwritable = ["relative/dir"]\ndeny_raed = ["~/.x"]\n',
    });
    let error: unknown;
    try {
      loadProfile(profileCatalog(dir.path), "bad");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    const messages = (error as ConfigErrors).errors.map((e) => e.message);
    expect(messages).toContainEqual(
      expect.stringContaining(`${dir.at("profiles/bad.toml")}:4:1: filesystem.writable.0`),
    );
    expect(messages).toContainEqual(expect.stringContaining("`~/`"));
    expect(messages).toContainEqual(expect.stringContaining("unknown key `deny_raed`"));
  });

  test.each([
    ['[redaction]\nmode = "dynamic"\n', "--redact dynamic"],
    ['[filesystem]\ndeny_exec = ["../bin/curl"]\n', "program names"],
    ['[filesystem]\nread_only = ["~/../etc"]\n', "`..`"],
    ['[env]\ndeny = ["NOT VALID"]\n', "environment variable"],
    ["[redaction]\nmax_files = 0\n", "at least 1"],
    ['[redaction]\nbypass = ["../elsewhere"]\n', "may not contain `..`"],
    ['[redaction]\nbypass = ["node_modules/../.."]\n', "may not contain `..`"],
    ['[redaction]\nbypass = ["/usr/lib/node_modules"]\n', "relative to the project"],
    ['[redaction]\nbypass = ["~/.cache"]\n', "relative to the project"],
  ])("rejects %j with a message that says how to fix it", async (toml, message) => {
    await using dir = await tempTree({ "profiles/p.toml": toml });
    expect(() => loadProfile(profileCatalog(dir.path), "p")).toThrow(message);
  });
});

describe("[redaction] bypass", () => {
  test("is empty by default, appended through extends, trailing slashes dropped", async () => {
    expect(loadProfile(NO_CONFIG, "npm").redaction.bypass).toEqual([]);
    await using dir = await tempTree({
      "profiles/base.toml": 'extends = "npm"\n[redaction]\nbypass = ["node_modules/"]\n',
      "profiles/fast.toml": 'extends = "base"\n[redaction]\nbypass = [".git/objects", "node_modules"]\n',
    });
    expect(loadProfile(profileCatalog(dir.path), "fast").redaction.bypass).toEqual([
      "node_modules",
      ".git/objects",
    ]);
  });
});

describe("state directories", () => {
  test("only the program's own state directory is created when missing, not every agent's", () => {
    const agent = loadProfile(NO_CONFIG, "agent");
    const dirs = creatableDirs(agent, "/usr/local/bin/claude", "/home/me", "/w");
    expect(dirs).toEqual(["/home/me/.claude", "/home/me/.cache/claude-cli-nodejs"]);
    expect(creatableDirs(agent, "opencode", "/home/me", "/w")).toEqual([
      "/home/me/.config/opencode",
      "/home/me/.local/share/opencode",
      "/home/me/.local/state/opencode",
    ]);
  });

  test("a directory is created for the program it names, not for one whose name is inside a part (sh in share)", () => {
    const npm = loadProfile(NO_CONFIG, "npm");
    expect(creatableDirs(npm, "sh", "/home/me", "/w")).toEqual([]);
    expect(creatableDirs(npm, "pnpm", "/home/me", "/w")).toEqual([
      "/home/me/.local/share/pnpm/store",
      "/home/me/.cache/pnpm",
    ]);
  });

  test("the npm profile writes caches only, never a directory a host program runs from (npx's, PNPM_HOME)", () => {
    const npm = loadProfile(NO_CONFIG, "npm");
    expect(npm.writable).not.toContain("~/.npm/");
    expect(npm.writable).not.toContain("~/.local/share/pnpm/");
    expect(npm.writable).toContain("~/.npm/_cacache/");
  });
});
