import { describe, expect, test } from "bun:test";
import { checkRepoConfig, parseConfigList } from "../../../src/policy/git-config.ts";

const local = (key: string, value: string, origin = "file:.git/config") => ({
  scope: "local",
  origin,
  key,
  value,
});
const GIT_DIR = "/repo/.git";

describe("parseConfigList", () => {
  test("reads scope, origin, key and value from -z output, values with newlines included", () => {
    const text =
      "local\u0000file:.git/config\u0000core.bare\nfalse\u0000local\u0000file:.git/config\u0000alias.x\n!a\nb\u0000";
    expect(parseConfigList(text)).toEqual([
      { scope: "local", origin: "file:.git/config", key: "core.bare", value: "false" },
      { scope: "local", origin: "file:.git/config", key: "alias.x", value: "!a\nb" },
    ]);
  });
});

describe("checkRepoConfig denies repository keys that run programs or redirect", () => {
  const denied: [string, string, string][] = [
    ["core.sshcommand", "touch /tmp/p", "ssh runs this instead of ssh"],
    ["core.fsmonitor", "touch /tmp/p", "runs on every status (verified on 0.4)"],
    ["core.pager", "sh -c id", "runs when output is a terminal (fd mode)"],
    ["core.editor", "vim", "runs on commit without -m"],
    ["core.askpass", "/tmp/steal", "receives the credential prompt"],
    ["core.gitproxy", "/tmp/p", "runs for git:// URLs"],
    ["core.alternaterefscommand", "/tmp/p", "runs on fetch"],
    ["core.hookspath", "/tmp/hooks", "hooks from an agent directory"],
    ["sequence.editor", "/tmp/p", "runs on rebase -i"],
    ["diff.external", "/tmp/p", "runs on diff"],
    ["diff.pdf.textconv", "/tmp/p", "runs on diff of matching files"],
    ["filter.lfs.smudge", "/tmp/p", "runs on checkout"],
    ["filter.x.process", "/tmp/p", "long-running filter"],
    ["merge.ours.driver", "/tmp/p", "runs on merge"],
    ["remote.origin.uploadpack", "/tmp/p", "runs instead of git-upload-pack"],
    ["remote.origin.receivepack", "/tmp/p", "runs on push"],
    ["credential.helper", "store", "credential helpers run and get credentials"],
    ["credential.https://example.com.username", "x", "any credential.* key"],
    ["gpg.program", "/tmp/p", "runs on signed commits"],
    ["gpg.ssh.program", "/tmp/p", "runs on ssh signing"],
    ["pager.log", "/tmp/p", "per-command pager"],
    ["protocol.ext.allow", "always", "re-enables ext::"],
    ["http.proxy", "http://evil:8080", "sends traffic to the agent's proxy"],
    ["http.https://github.com.extraheader", "Authorization: x", "adds headers the host sends"],
    ["submodule.x.update", "!touch /tmp/p", "runs on submodule update"],
    ["trailer.sign.command", "/tmp/p", "runs on interpret-trailers"],
    ["sendemail.smtpserver", "/tmp/p", "a path here is a program"],
    ["include.path", "/home/me/.gitconfig-work", "includes a file outside the repository"],
    ["includeif.onbranch:main.path", "../../etc/x", "includes a file outside the repository"],
  ];
  test.each(denied)("%s = %s (%s)", (key, value) => {
    const violation = checkRepoConfig([local(key, value)], GIT_DIR);
    expect(violation?.entry.key).toBe(key);
  });

  test("aliases: shell aliases run programs, others rename subcommands past the rules", () => {
    expect(checkRepoConfig([local("alias.st", "!sh -c id")], GIT_DIR)?.reason).toContain("shell alias");
    expect(checkRepoConfig([local("alias.cred", "credential fill")], GIT_DIR)?.reason).toContain(
      "renames subcommands",
    );
  });

  test("url rewrites to a local path or a program-running transport are denied; to the network allowed", () => {
    expect(
      checkRepoConfig([local("url.ext::sh -c id #.insteadof", "https://github.com/")], GIT_DIR),
    ).toBeDefined();
    expect(checkRepoConfig([local("url./tmp/evil.insteadof", "https://github.com/")], GIT_DIR)).toBeDefined();
    expect(
      checkRepoConfig([local("url.git@github.com:.insteadof", "https://github.com/")], GIT_DIR),
    ).toBeUndefined();
    expect(
      checkRepoConfig([local("url.https://mirror.example/.insteadof", "https://github.com/")], GIT_DIR),
    ).toBeUndefined();
  });
});

describe("checkRepoConfig allows ordinary repositories", () => {
  test("the keys git init writes, remotes, branches, user identity", () => {
    const entries = [
      local("core.repositoryformatversion", "0"),
      local("core.filemode", "true"),
      local("core.bare", "false"),
      local("core.logallrefupdates", "true"),
      local("remote.origin.url", "git@github.com:me/x.git"),
      local("remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"),
      local("branch.main.remote", "origin"),
      local("user.email", "me@example.com"),
      local("core.fsmonitor", "false"),
      local("include.path", "config.local"),
    ];
    expect(checkRepoConfig(entries, GIT_DIR)).toBeUndefined();
  });

  test("global, system and our own command-line settings are not the agent's to judge", () => {
    expect(
      checkRepoConfig(
        [{ scope: "global", origin: "file:/root/.gitconfig", key: "core.pager", value: "less" }],
        GIT_DIR,
      ),
    ).toBeUndefined();
    expect(
      checkRepoConfig(
        [{ scope: "command", origin: "command line:", key: "core.hookspath", value: "/dev/null" }],
        GIT_DIR,
      ),
    ).toBeUndefined();
  });
});
