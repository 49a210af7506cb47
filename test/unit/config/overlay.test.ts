import { describe, expect, test } from "bun:test";
import { parseModule } from "../../../src/config/modules.ts";
import { decide } from "../../../src/policy/decide.ts";
import { ruleIdsOf } from "../../../src/policy/rule-ids.ts";
import type { EffectiveModule } from "../../../src/policy/types.ts";

const FILE = "/agents/alpha/commands/git.toml";
const found = (bin: string) => `/usr/bin/${bin}`;

function overlay(text: string, command = "git") {
  return parseModule(command, "override", FILE, text, found);
}

function module(text: string, command = "git"): EffectiveModule {
  const result = overlay(text, command);
  if ("errors" in result) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.module;
}

function errorsOf(text: string, command = "git"): string[] {
  const result = overlay(text, command);
  return "errors" in result ? result.errors.map((e) => e.message) : [];
}

/** What the module decides for `args`, with no other layer in the way. */
function decision(mod: EffectiveModule, args: string[]) {
  return decide({
    request: { command: mod.command, args },
    enabled: undefined,
    agent: undefined,
    module: mod,
  });
}

describe("a module that extends a built-in", () => {
  test("keeps the built-in's rules, drops the ones it removes by id, and adds its own", () => {
    const mod = module(`
extends = "git"

[deny]
flags = ["--force"]

[[deny.patterns]]
id = "no-tags-push"
subcommand = "push"
flags = ["--tags"]
reason = "tags are pushed by the release job"

[remove]
rules = ["deny.subcommands: 'mergetool'"]
`);
    expect(mod.overlay).toEqual({
      extends: "git",
      added: ["deny.flags: '--force'", "deny.patterns.no-tags-push"],
      removed: ["deny.subcommands: 'mergetool'"],
    });
    const ids = ruleIdsOf("deny", mod.module.deny ?? {});
    expect(ids).toContain("deny.flags: '--upload-pack'");
    expect(ids).toContain("deny.patterns.c-alias");
    expect(ids).not.toContain("deny.subcommands: 'mergetool'");
    expect(mod.module.exec.guard).toBe("git-config");
    expect(mod.module.jail?.git_credentials).toBe("broker");
  });

  test("decides with the merged rules: the added ones deny by their id, the removed one no longer does", () => {
    const mod = module(
      'extends = "git"\n[deny]\nflags = ["--force"]\n[remove]\nrules = ["deny.subcommands: \'mergetool\'"]\n',
    );
    expect(decision(mod, ["push", "--force", "origin", "main"])).toMatchObject({
      allowed: false,
      rule: "deny.flags: '--force'",
    });
    expect(decision(mod, ["mergetool"]).allowed).toBe(true);
    expect(decision(mod, ["clone", "--upload-pack=x", "u"])).toMatchObject({
      allowed: false,
      rule: "deny.flags: '--upload-pack'",
    });
  });

  test("a rule id the built-in does not have is an error that suggests the right one", () => {
    expect(errorsOf('extends = "git"\n[remove]\nrules = ["deny.flags: \'--upload-pak\'"]\n')).toEqual([
      `${FILE}: remove.rules.0: the built-in git has no rule 'deny.flags: '--upload-pak'' (did you mean "deny.flags: '--upload-pack'"?)`,
    ]);
  });

  test("an unknown built-in is an error with a suggestion", () => {
    expect(errorsOf('extends = "gti"\n')[0]).toContain(
      `there is no built-in module 'gti' to extend (did you mean "git"?)`,
    );
  });

  test("an added pattern needs an id, and may not take one the built-in uses", () => {
    const missing = errorsOf('extends = "git"\n[[deny.patterns]]\nsubcommand = "push"\nreason = "r"\n');
    expect(missing[0]).toContain("a pattern added to a built-in needs an id");
    const taken = errorsOf(
      'extends = "git"\n[[deny.patterns]]\nid = "c-alias"\nsubcommand = "push"\nreason = "r"\n',
    );
    expect(taken[0]).toContain("the built-in git already has a pattern 'c-alias'");
  });

  test("[allow] on a deny-list built-in is an error that says where the rules go", () => {
    expect(errorsOf('extends = "git"\n[allow]\nsubcommands = ["status"]\n')[0]).toContain(
      "the built-in git is a deny list: add rules under [deny]",
    );
  });

  test("repository config keys may be allowed past the guard, never one that runs a program", () => {
    const mod = module('extends = "git"\n[exec]\nallow_config_keys = ["commit.gpgsign"]\n');
    expect(mod.module.exec.allow_config_keys).toEqual(["commit.gpgsign"]);
    for (const key of [
      "core.sshCommand",
      "core.fsmonitor",
      "alias.st",
      "filter.x.smudge",
      "remote.o.uploadpack",
    ])
      expect(errorsOf(`extends = "git"\n[exec]\nallow_config_keys = ["${key}"]\n`)[0]).toContain(
        `cannot allow '${key}'`,
      );
    expect(errorsOf('extends = "aws"\n[exec]\nallow_config_keys = ["commit.gpgsign"]\n', "aws")[0]).toContain(
      "the built-in aws has no repository config guard",
    );
  });

  test("jail credentials are added and removed; removing one the built-in does not list is an error", () => {
    const mod = module(
      'extends = "git"\n[jail]\ncredentials = ["~/.config/gh/hosts.yml"]\n[remove]\ncredentials = ["~/.ssh"]\n',
    );
    expect(mod.module.jail?.credentials).toContain("~/.config/gh/hosts.yml");
    expect(mod.module.jail?.credentials).not.toContain("~/.ssh");
    expect(mod.module.jail?.credentials).toContain("~/.gitconfig");
    expect(errorsOf('extends = "git"\n[remove]\ncredentials = ["~/.aws"]\n')[0]).toContain(
      "'~/.aws' is not among the built-in git's jail credentials",
    );
  });

  test("environment settings are added to the built-in's, and how the tool parses its argv stays the built-in's", () => {
    const mod = module('extends = "git"\n[env]\nset = { GIT_AUTHOR_NAME = "Agent" }\n');
    expect(mod.module.env.set).toMatchObject({ GIT_AUTHOR_NAME: "Agent", GIT_PAGER: "cat" });
    expect(errorsOf('extends = "git"\n[parse]\nstyle = "go"\n')[0]).toContain("unknown key `parse`");
  });
});
