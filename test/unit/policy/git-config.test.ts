import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  ALLOWED_EXACT,
  ALLOWED_GROUPS,
  classifyUrl,
  judgeKey,
  splitKey,
} from "../../../src/policy/git-allowlist.ts";
import {
  checkConfig,
  parseConfigList,
  readGitInvocation,
  transportCandidates,
} from "../../../src/policy/git-config.ts";

describe("parseConfigList", () => {
  test("reads key and value from -z output: values with newlines, and keys without a value", () => {
    expect(parseConfigList("core.bare\nfalse\u0000alias.x\n!a\nb\u0000core.filemode\u0000")).toEqual([
      { key: "core.bare", value: "false" },
      { key: "alias.x", value: "!a\nb" },
      { key: "core.filemode", value: undefined },
    ]);
  });
});

describe("the allowlist refuses keys that run programs, read host files, or redirect traffic", () => {
  const refused: [string, string, string][] = [
    ["core.sshcommand", "touch /tmp/p", "ssh runs this instead of ssh"],
    ["core.fsmonitor", "touch /tmp/p", "runs on every status"],
    ["core.pager", "sh -c id", "runs when output is a terminal"],
    ["core.editor", "vim", "runs on commit without -m"],
    ["core.askpass", "/tmp/steal", "receives the credential prompt"],
    ["core.gitproxy", "/tmp/p", "runs for git:// URLs"],
    ["core.alternaterefscommand", "/tmp/p", "runs on fetch"],
    ["core.hookspath", "/tmp/hooks", "hooks from an agent directory"],
    ["core.excludesfile", "/home/me/.aws/credentials", "reads a host file"],
    ["sequence.editor", "/tmp/p", "runs on rebase -i"],
    ["diff.external", "/tmp/p", "runs on diff"],
    ["diff.pdf.textconv", "/tmp/p", "runs on diff of matching files"],
    ["filter.lfs.smudge", "/tmp/p", "only the standard git-lfs value is allowed"],
    ["filter.x.clean", "/tmp/p", "runs on status and add"],
    ["merge.ours.driver", "/tmp/p", "runs on merge"],
    ["remote.origin.uploadpack", "/tmp/p", "runs instead of git-upload-pack"],
    ["remote.origin.receivepack", "/tmp/p", "runs on push"],
    ["remote.origin.vcs", "x", "runs git-remote-x"],
    ["remote.origin.url", "ext::sh -c id", "a transport that runs a program"],
    ["remote.origin.url", "evil://x", "an unknown scheme runs git-remote-evil"],
    ["credential.helper", "store", "credential helpers run and get credentials"],
    ["credential.https://example.com.username", "x", "any credential.* key"],
    ["gpg.program", "/tmp/p", "runs on signed commits"],
    ["commit.gpgsign", "true", "signs with the host's key"],
    ["commit.template", "/home/me/.ssh/id_ed25519", "a host file as the message"],
    ["pager.log", "/tmp/p", "per-command pager"],
    ["protocol.ext.allow", "always", "re-enables ext::"],
    ["protocol.file.allow", "always", "lets submodules clone host paths"],
    ["http.proxy", "http://evil:8080", "sends traffic to the agent's proxy"],
    ["http.sslverify", "false", "accepts any server"],
    ["http.curloptresolve", "github.com:443:10.0.0.1", "sends the host's token to the agent's address"],
    ["http.https://github.com.extraheader", "Authorization: x", "adds headers the host sends"],
    ["http.followredirects", "true", "follows a server's redirect with credentials"],
    ["submodule.x.update", "!touch /tmp/p", "runs on submodule update"],
    ["trailer.sign.command", "/tmp/p", "runs on interpret-trailers"],
    ["sendemail.smtpserver", "/tmp/p", "a path here is a program"],
    ["include.path", "config.local", "includes a file nothing checked"],
    ["includeif.onbranch:main.path", "../../etc/x", "includes another file"],
    ["alias.st", "status", "renames subcommands past the rules"],
    ["help.autocorrect", "1", "runs a subcommand other than the one checked"],
    ["url.ext::sh -c id #.insteadof", "https://github.com/", "rewrites urls to a program"],
    ["lfs.customtransfer.x.path", "/tmp/p", "git-lfs runs it"],
    ["core", "x", "not section.name"],
  ];
  test.each(refused)("%s = %s (%s)", (key, value) => {
    const verdict = checkConfig([{ key, value }]);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.entry.key).toBe(key);
  });

  test("refuses a remote, branch or submodule whose name starts with '-' (fetch --all passes it on as an option)", () => {
    for (const key of [
      "remote.--upload-pack=./x.sh.url",
      "remote.-u.fetch",
      "branch.--exec=x.remote",
      "submodule.-x.url",
    ]) {
      expect(judgeKey(key, "https://example.com/r.git")).toMatchObject({
        kind: "refused",
        why: expect.stringContaining("leading '-'"),
      });
    }
    expect(judgeKey("remote.origin-2.url", "https://example.com/r.git").kind).toBe("url");
  });

  test("the reason says what the key does for the keys agents meet most", () => {
    expect(judgeKey("alias.st", "!sh")).toMatchObject({
      kind: "refused",
      why: expect.stringContaining("alias"),
    });
    expect(judgeKey("credential.helper", "x")).toMatchObject({ why: expect.stringContaining("credential") });
    expect(judgeKey("http.sslverify", "false")).toMatchObject({
      why: expect.stringContaining("credentials go"),
    });
  });

  test("property: a random key outside the allowlist's sections is always refused", () => {
    const allowedSections = new Set([
      ...ALLOWED_GROUPS.map((g) => g.section),
      ...Object.keys(ALLOWED_EXACT).map((k) => k.split(".")[0]),
    ]);
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/);
    const key = fc
      .tuple(word, fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), word)
      .filter(([section]) => !allowedSections.has(section.toLowerCase()))
      .map(([s, sub, n]) => (sub === undefined ? `${s}.${n}` : `${s}.${sub}.${n}`));
    fc.assert(
      fc.property(key, fc.option(fc.string(), { nil: undefined }), (k, v) => {
        expect(checkConfig([{ key: k, value: v }]).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  test("property: in an allowlisted section, a random name off its list is refused", () => {
    const lists = ALLOWED_GROUPS.filter((g) => g.names !== "*");
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/);
    fc.assert(
      fc.property(fc.constantFrom(...lists), name, (group, n) => {
        const onAnyList = ALLOWED_GROUPS.some(
          (g) => g.section === group.section && (g.names === "*" || g.names.includes(n)),
        );
        fc.pre(!onAnyList && n !== "worktree");
        expect(judgeKey(`${group.section}.x.${n}`, "v").kind).toBe("refused");
        expect(judgeKey(`${group.section}.${n}`, "v").kind).toBe("refused");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("the allowlist passes ordinary repositories", () => {
  test("the keys git init, clone, submodule add and git lfs install write", () => {
    const entries = [
      ["core.repositoryformatversion", "0"],
      ["core.filemode", "true"],
      ["core.bare", "false"],
      ["core.logallrefupdates", "true"],
      ["core.ignorecase", undefined],
      ["remote.origin.url", "git@github.com:me/x.git"],
      ["remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*"],
      ["remote.Upstream.url", "https://github.com/them/x.git"],
      ["branch.main.remote", "origin"],
      ["branch.main.merge", "refs/heads/main"],
      ["user.email", "me@example.com"],
      ["core.fsmonitor", "false"],
      ["core.hookspath", "/dev/null"],
      ["color.diff.meta", "blue"],
      ["color.ui", "always"],
      ["submodule.lib.url", "https://github.com/me/lib.git"],
      ["submodule.lib.active", "true"],
      ["filter.lfs.clean", "git-lfs clean -- %f"],
      ["filter.lfs.smudge", "git-lfs smudge -- %f"],
      ["filter.lfs.process", "git-lfs filter-process"],
      ["filter.lfs.required", "true"],
      ["lfs.repositoryformatversion", "0"],
      ["http.postbuffer", "524288000"],
      ["http.https://github.com.lowspeedtime", "60"],
      ["gc.auto", "0"],
    ] as const;
    const verdict = checkConfig(entries.map(([key, value]) => ({ key, value })));
    expect(verdict).toMatchObject({ ok: true, worktreeConfig: false, localUrls: [] });
    // config.worktree lives in the work tree's git directory, where the jail can only bind it.
    expect(checkConfig([{ key: "extensions.worktreeconfig", value: "true" }]).ok).toBe(false);
  });

  test("local urls and core.worktree pass to the walk, which checks them against the roots", () => {
    const verdict = checkConfig([
      { key: "remote.mirror.url", value: "/work/mirror.git" },
      { key: "remote.mirror.pushurl", value: "file:///work/push.git" },
      { key: "core.worktree", value: "../../../lib" },
    ]);
    expect(verdict).toEqual({
      ok: true,
      localUrls: [
        { key: "remote.mirror.url", path: "/work/mirror.git" },
        { key: "remote.mirror.pushurl", path: "/work/push.git" },
      ],
      worktree: "../../../lib",
      worktreeConfig: false,
      objectFormat: undefined,
    });
  });
});

describe("splitKey and classifyUrl read keys and urls as git does", () => {
  test("the subsection keeps its case and its dots; section and name are lower-cased", () => {
    expect(splitKey("Remote.My.Fork.URL")).toEqual({ section: "remote", subsection: "My.Fork", name: "url" });
    expect(splitKey("core.bare")).toEqual({ section: "core", subsection: undefined, name: "bare" });
    expect(splitKey("nodot")).toBeUndefined();
  });

  test.each([
    ["https://github.com/x", "network"],
    ["ssh://git@host/x", "network"],
    ["git@github.com:me/x.git", "network"],
    ["host:path", "network"],
    ["./a:b", "local"],
    ["../x.git", "local"],
    ["/abs/x", "local"],
    ["file:///abs/x", "local"],
    ["ext::sh -c x", "refused"],
    ["fd::3", "refused"],
    ["testgit::x", "refused"],
    ["evil://x", "refused"],
    ["file://host/x", "refused"],
    ["-oProxyCommand=x:y", "refused"],
    ["", "refused"],
  ])("%s is %s", (url, kind) => {
    expect(classifyUrl(url).kind).toBe(kind as "network");
  });
});

describe("readGitInvocation reads git's own options as git.c does", () => {
  test("-C, -c, --git-dir, --work-tree, --bare, then the subcommand", () => {
    const read = readGitInvocation([
      "-C",
      "a",
      "-c",
      "color.ui=always",
      "-c",
      "core.bare",
      "--git-dir=x.git",
      "--work-tree",
      "wt",
      "--bare",
      "--no-pager",
      "push",
      "origin",
    ]);
    expect(read).toEqual({
      chdirs: ["a"],
      gitDir: "x.git",
      workTree: "wt",
      bare: true,
      config: [
        { key: "color.ui", value: "always" },
        { key: "core.bare", value: undefined },
      ],
      subcommand: "push",
      rest: ["origin"],
    });
  });

  test("a glued -cKEY=VALUE (which git refuses) is still read as config, so doubt denies", () => {
    expect(readGitInvocation(["-ccore.pager=x", "log"]).config).toEqual([{ key: "core.pager", value: "x" }]);
  });

  test("transport candidates: operands, option values, refspec sources and file:// paths of transport subcommands only", () => {
    expect(
      transportCandidates(readGitInvocation(["push", "--repo=evil.git", "-q", "file:///w/x.git", "HEAD:x"])),
    ).toEqual(["evil.git", "/w/x.git", "HEAD:x", "HEAD"]);
    expect(transportCandidates(readGitInvocation(["log", "evil.git"]))).toEqual([]);
  });
});

describe("submodule keys start no git inside a submodule", () => {
  test("diff.submodule=diff and the like are refused; the values that stay in the superproject pass", () => {
    const judged = (key: string, value: string) => checkConfig([{ key, value }]).ok;
    expect(judged("diff.submodule", "diff")).toBe(false);
    expect(judged("diff.submodule", "log")).toBe(true);
    expect(judged("diff.ignoreSubmodules", "none")).toBe(false);
    expect(judged("diff.ignoreSubmodules", "dirty")).toBe(true);
    expect(judged("status.submoduleSummary", "true")).toBe(false);
    expect(judged("fetch.recurseSubmodules", "on-demand")).toBe(false);
  });
});
