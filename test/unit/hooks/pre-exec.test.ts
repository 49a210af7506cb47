import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { runPreExecHooks } from "../../../src/hooks/run.ts";
import { agentWithHooks, hooksOf, preInput, processGone, readJson } from "./fixtures.ts";

const options = (agentDir: string, timeoutMs = 10_000) => ({ timeoutMs, agentDir });

describe("runPreExecHooks", () => {
  test("allows the request unchanged when every hook exits 0 and prints nothing", async () => {
    await using tree = await agentWithHooks({
      "pre-exec": "#!/bin/sh\ncat > seen.json\n",
      "pre-exec.d/10-quiet": "#!/bin/sh\nexit 0\n",
    });
    const input = preInput(tree);
    const result = await runPreExecHooks(
      hooksOf(tree, "pre-exec", "pre-exec.d/10-quiet"),
      input,
      options(tree.path),
    );
    expect(result.kind).toBe("allow");
    if (result.kind !== "allow") return;
    const { airlock: _, ...request } = input;
    expect(result.request).toEqual(request);
    expect(result.runs.map((r) => [r.hook, r.exit_code, r.rewrote, r.timed_out])).toEqual([
      ["hooks/pre-exec", 0, false, false],
      ["hooks/pre-exec.d/10-quiet", 0, false, false],
    ]);
    // The hook read the 0.4 request plus the airlock context, in the agent dir.
    expect(readJson(tree.at("seen.json"))).toEqual(input as unknown as Record<string, unknown>);
  });

  test("denies with the hook's first non-blank stderr line as the reason", async () => {
    await using tree = await agentWithHooks({
      "pre-exec": "#!/bin/sh\nprintf '\\n  no pushes on Fridays  \\nsecond line\\n' >&2\nexit 3\n",
    });
    const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), options(tree.path));
    expect(result).toMatchObject({ kind: "deny", reason: "no pushes on Fridays", hook: "hooks/pre-exec" });
    expect(result.runs[0]).toMatchObject({ exit_code: 3, rewrote: false, timed_out: false });
  });

  test('denies with a 0.4-style {"error"} on stdout, whatever the exit status', async () => {
    for (const exit of [0, 1]) {
      await using tree = await agentWithHooks({
        "pre-exec": `#!/bin/sh\necho '{"error":"terraform apply needs a ticket"}'\nexit ${exit}\n`,
      });
      const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), options(tree.path));
      expect(result).toMatchObject({ kind: "deny", reason: "terraform apply needs a ticket" });
    }
  });

  test("a silent non-zero exit still denies, naming the hook", async () => {
    await using tree = await agentWithHooks({ "pre-exec.d/20-no": "#!/bin/sh\nexit 1\n" });
    const result = await runPreExecHooks(
      hooksOf(tree, "pre-exec.d/20-no"),
      preInput(tree),
      options(tree.path),
    );
    expect(result).toMatchObject({ kind: "deny" });
    if (result.kind === "deny") expect(result.reason).toContain("hooks/pre-exec.d/20-no");
  });

  test("control characters in a reason become spaces (the shim prints it on a terminal)", async () => {
    await using tree = await agentWithHooks({
      "pre-exec": "#!/bin/sh\nprintf 'bad \\033[2Jbranch\\r\\n' >&2\nexit 1\n",
    });
    const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), options(tree.path));
    expect(result).toMatchObject({ kind: "deny", reason: "bad  [2Jbranch" });
  });

  test("each hook sees the previous rewrite, and the last rewrite is the request", async () => {
    const rewrite = (args: string[]) =>
      `#!/bin/sh\ncat >> seen.ndjson\necho '${JSON.stringify({ params: { args } })}'\n`;
    await using tree = await agentWithHooks({
      "pre-exec": rewrite(["log", "--oneline"]),
      "pre-exec.d/10-second": rewrite(["log", "--oneline", "-n", "5"]),
    });
    const result = await runPreExecHooks(
      hooksOf(tree, "pre-exec", "pre-exec.d/10-second"),
      preInput(tree, "git", ["log"]),
      options(tree.path),
    );
    expect(result.kind).toBe("allow");
    if (result.kind !== "allow") return;
    expect(result.request.params.args).toEqual(["log", "--oneline", "-n", "5"]);
    expect(result.request.params.cwd).toBe("/workspace");
    expect(result.runs.map((r) => r.rewrote)).toEqual([true, true]);
    const seen = readFileSync(tree.at("seen.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(seen.map((s) => s.params.args)).toEqual([["log"], ["log", "--oneline"]]);
    expect(seen[1].airlock.agent).toBe("alpha");
  });

  test("a hook that echoes its input unchanged has not rewritten anything", async () => {
    await using tree = await agentWithHooks({ "pre-exec": "#!/bin/sh\ncat\n" });
    const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), options(tree.path));
    expect(result).toMatchObject({ kind: "allow", runs: [{ rewrote: false }] });
  });

  test("denies a rewrite that moves the command to another cwd", async () => {
    await using tree = await agentWithHooks({
      "pre-exec": `#!/bin/sh\necho '{"params":{"args":["status"],"cwd":"/etc"}}'\n`,
    });
    const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), options(tree.path));
    expect(result.kind).toBe("deny");
    if (result.kind === "deny") expect(result.reason).toContain("params.cwd");
  });

  test("stops at the first denial: later hooks do not run", async () => {
    await using tree = await agentWithHooks({
      "pre-exec.d/10-deny": "#!/bin/sh\necho nope >&2\nexit 1\n",
      "pre-exec.d/20-marker": "#!/bin/sh\ntouch ran\n",
    });
    const files = hooksOf(tree, "pre-exec.d/10-deny", "pre-exec.d/20-marker");
    const result = await runPreExecHooks(files, preInput(tree), options(tree.path));
    expect(result).toMatchObject({ kind: "deny", reason: "nope" });
    expect(result.runs).toHaveLength(1);
    expect(existsSync(tree.at("ran"))).toBe(false);
  });

  test("a hook past its timeout is killed with its whole process group, and the request denied", async () => {
    await using tree = await agentWithHooks({
      "pre-exec": "#!/bin/sh\nsleep 1000 &\necho $! > background.pid\nsleep 1000\n",
    });
    const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), options(tree.path, 1500));
    expect(result.kind).toBe("deny");
    if (result.kind === "deny") expect(result.reason).toContain("timed out");
    expect(result.runs[0]).toMatchObject({ timed_out: true, signal: "SIGKILL", exit_code: null });
    const background = Number(readFileSync(tree.at("background.pid"), "utf8"));
    let gone = processGone(background);
    for (let i = 0; i < 100 && !gone; i++) {
      await Bun.sleep(20);
      gone = processGone(background);
    }
    expect(gone).toBe(true);
  });

  test("returns when the hook exits, even if a background child still holds its stdout", async () => {
    await using tree = await agentWithHooks({
      "pre-exec": "#!/bin/sh\nsleep 1000 &\necho $! > background.pid\nexit 0\n",
    });
    const result = await runPreExecHooks(
      hooksOf(tree, "pre-exec"),
      preInput(tree),
      options(tree.path, 60_000),
    );
    expect(result).toMatchObject({ kind: "allow", runs: [{ timed_out: false }] });
    const background = Number(readFileSync(tree.at("background.pid"), "utf8"));
    for (let i = 0; i < 100 && !processGone(background); i++) await Bun.sleep(20);
    expect(processGone(background)).toBe(true);
  });

  test.each([
    {
      why: "a crash (signal)",
      script: "#!/bin/sh\nkill -SEGV $$\n",
      mode: 0o755,
      expected: "died of SIGSEGV",
    },
    { why: "not executable", script: "#!/bin/sh\nexit 0\n", mode: 0o644, expected: "not executable" },
    { why: "a missing interpreter", script: "#!/no/such/sh\nexit 0\n", mode: 0o755, expected: "interpreter" },
    { why: "no #! line", script: "exit 0\n", mode: 0o755, expected: "#! line" },
    {
      why: "invalid JSON on stdout",
      script: "#!/bin/sh\necho '{nope'\n",
      mode: 0o755,
      expected: "invalid JSON",
    },
    {
      why: "JSON that is not an object",
      script: "#!/bin/sh\necho '[1]'\n",
      mode: 0o755,
      expected: "not an object",
    },
    { why: "an unknown key", script: `#!/bin/sh\necho '{"allow":true}'\n`, mode: 0o755, expected: "'allow'" },
    {
      why: "args that are not strings",
      script: `#!/bin/sh\necho '{"params":{"args":[1]}}'\n`,
      mode: 0o755,
      expected: "params.args",
    },
    { why: "endless output", script: "#!/bin/sh\nexec yes\n", mode: 0o755, expected: "too much on stdout" },
  ])("fails closed on $why", async ({ script, mode, expected }) => {
    await using tree = await agentWithHooks({ "pre-exec": { text: script, mode } });
    const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), options(tree.path));
    expect(result.kind).toBe("deny");
    if (result.kind === "deny") {
      expect(result.reason).toContain("hooks/pre-exec");
      expect(result.reason).toContain(expected);
    }
    expect(result.runs[0]?.error).toBeDefined();
  });

  test.skipIf(process.platform !== "linux")(
    "hooks get only PATH, HOME, USER and LANG, and run in the agent dir",
    async () => {
      await using tree = await agentWithHooks({
        "pre-exec": "#!/bin/sh\ntr '\\0' '\\n' < /proc/$$/environ > env.txt\npwd > cwd.txt\n",
      });
      const env = {
        PATH: "/usr/bin:/bin",
        HOME: "/home/agent-owner",
        USER: "owner",
        LANG: "C.UTF-8",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI",
        GITHUB_TOKEN: "ghp_secret",
        LD_PRELOAD: "/tmp/evil.so",
      };
      const result = await runPreExecHooks(hooksOf(tree, "pre-exec"), preInput(tree), {
        ...options(tree.path),
        env,
      });
      expect(result.kind).toBe("allow");
      const seen = readFileSync(tree.at("env.txt"), "utf8").trim().split("\n").sort();
      expect(seen).toEqual(["HOME=/home/agent-owner", "LANG=C.UTF-8", "PATH=/usr/bin:/bin", "USER=owner"]);
      expect(readFileSync(tree.at("cwd.txt"), "utf8").trim()).toBe(tree.path);
    },
  );
});
