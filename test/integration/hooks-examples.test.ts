// Runs every script in hooks-examples/ the way the daemon runs hooks, with the compiled airlock on PATH.
// protect-branches has its own file.
import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { discoverHooks } from "../../src/hooks/discover.ts";
import { runPostExecHooks } from "../../src/hooks/run.ts";
import { runAirlock } from "../helpers/binary.ts";
import { EXAMPLES, example, exampleHost, reasonOf, request, response } from "../helpers/hook-examples.ts";

const host = exampleHost();
const { root, home, agentDir, env, pre, post } = host;
afterAll(host.cleanup);

test("every example passes the load-time checks once installed in an agent's hooks dirs", () => {
  const dir = mkdtempSync(join(root, "installed-"));
  for (const sub of ["hooks", "hooks/pre-exec.d", "hooks/post-exec.d"])
    mkdirSync(join(dir, sub), { mode: 0o755 });
  chmodSync(join(dir, "hooks"), 0o755);
  const installs = {
    "pre-exec.d/05-rate-limit": "rate-limit",
    "pre-exec.d/10-protect-branches": "protect-branches",
    "pre-exec.d/20-plan-only": "plan-only",
    "pre-exec.d/50-approval-file": "approval-file",
    "post-exec.d/50-redact-secrets": "redact-secrets",
    "post-exec.d/90-notify": "notify",
  };
  for (const [target, name] of Object.entries(installs))
    copyFileSync(example(name), join(dir, "hooks", target));
  const found = discoverHooks(dir, process.getuid?.() ?? 0);
  expect(found.problems).toEqual([]);
  expect(found.pre).toHaveLength(4);
  expect(found.post).toHaveLength(2);
  for (const name of Object.values(installs)) {
    const text = readFileSync(example(name), "utf8");
    expect(text.startsWith("#!/bin/sh\n")).toBe(true);
    expect(text).toContain("# Install:");
    expect(readFileSync(join(EXAMPLES, "README.md"), "utf8")).toContain(`(${name})`);
  }
});

describe("plan-only", () => {
  const hook = example("plan-only");

  test.each([
    { args: ["plan"] },
    { args: ["-chdir=infra", "plan", "-out=tfplan"] },
    { args: ["validate"] },
    { args: ["fmt", "-check"] },
    { args: ["-version"] },
  ])("allows terraform $args", async ({ args }) => {
    expect(reasonOf(await pre(hook, "terraform", args))).toBe("(allowed)");
  });

  test.each([
    { args: ["apply"], sub: "apply" },
    { args: ["apply", "-auto-approve"], sub: "apply" },
    { args: ["-chdir=infra", "destroy"], sub: "destroy" },
    { args: ["import", "a", "b"], sub: "import" },
    { args: ["state", "list"], sub: "state" },
  ])("denies terraform $args, saying what is allowed", async ({ args, sub }) => {
    const reason = reasonOf(await pre(hook, "terraform", args));
    expect(reason).toContain(`plan-only: terraform ${sub} is not allowed`);
    expect(reason).toContain("init plan validate");
  });

  test("leaves other commands alone", async () => {
    expect(reasonOf(await pre(hook, "git", ["push", "--force"]))).toBe("(allowed)");
  });
});

describe("approval-file", () => {
  const hook = example("approval-file");
  const approvalFile = (reason: string) => /`touch ([^`]+)`/.exec(reason)?.[1] ?? "(no path in reason)";

  test("denies until the operator touches the file the denial names; one approval allows one run", async () => {
    const denied = await pre(hook, "terraform", ["apply", "-auto-approve"]);
    const reason = reasonOf(denied);
    expect(reason).toContain("`terraform apply` needs approval");
    const file = approvalFile(reason);
    expect(file.startsWith(join(home, ".local/state/airlock/approvals/"))).toBe(true);
    const pending = readFileSync(`${file}.pending`, "utf8");
    expect(pending).toContain("agent:   claude");
    expect(pending).toContain("command: terraform 'apply' '-auto-approve'");

    writeFileSync(file, "");
    expect(reasonOf(await pre(hook, "terraform", ["apply", "-auto-approve"]))).toBe("(allowed)");
    expect(existsSync(file)).toBe(false);
    expect(reasonOf(await pre(hook, "terraform", ["apply", "-auto-approve"]))).toContain("needs approval");
  });

  test("an approval covers only the exact request: other args, cwd or agent need their own", async () => {
    const file = approvalFile(reasonOf(await pre(hook, "git", ["push", "origin", "a"])));
    writeFileSync(file, "");
    expect(reasonOf(await pre(hook, "git", ["push", "origin", "b"]))).toContain("needs approval");
    expect(reasonOf(await pre(hook, "git", ["push", "origin", "a"], agentDir))).toContain("needs approval");
    expect(reasonOf(await pre(hook, "git", ["push", "origin", "a"], root, "other"))).toContain(
      "needs approval",
    );
    expect(reasonOf(await pre(hook, "git", ["push", "origin", "a"]))).toBe("(allowed)");
  });

  test("an approval older than the window has expired", async () => {
    const file = approvalFile(reasonOf(await pre(hook, "terraform", ["destroy"])));
    writeFileSync(file, "");
    const old = new Date(Date.now() - 20 * 60 * 1000);
    utimesSync(file, old, old);
    expect(reasonOf(await pre(hook, "terraform", ["destroy"]))).toContain("needs approval");
  });

  test("the pending file shows agent-chosen args on one line, without control characters", async () => {
    const file = approvalFile(
      reasonOf(await pre(hook, "git", ["push", "x\napprove: touch /tmp/ok", "\u001b[2J"])),
    );
    const pending = readFileSync(`${file}.pending`, "utf8");
    expect(pending.split("\n").filter((l) => l.startsWith("approve:"))).toHaveLength(1);
    expect(pending).not.toContain("\u001b");
  });

  test("commands that need no approval pass", async () => {
    expect(reasonOf(await pre(hook, "terraform", ["plan"]))).toBe("(allowed)");
    expect(reasonOf(await pre(hook, "git", ["status"]))).toBe("(allowed)");
  });
});

describe("rate-limit", () => {
  // Installed the documented way: copied, with its settings edited.
  const hook = join(agentDir, "rate-limit-3");
  writeFileSync(hook, readFileSync(example("rate-limit"), "utf8").replace(/^LIMIT=30$/m, "LIMIT=3"));
  chmodSync(hook, 0o755);

  test("allows LIMIT requests per agent per window, counting concurrent requests exactly once", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () => pre(hook, "git", ["status"], root, "burst")),
    );
    expect(results.filter((r) => r.kind === "allow")).toHaveLength(3);
    const reasons = results.filter((r) => r.kind === "deny").map(reasonOf);
    expect(reasons).toEqual(
      Array(3).fill("rate-limit: agent burst made 3 requests in the last 60s (limit 3); wait and retry"),
    );
    const state = readFileSync(join(home, ".local/state/airlock/rate-limit/burst"), "utf8");
    expect(state.trim().split("\n")).toHaveLength(3);
  });

  test("each agent has its own budget", async () => {
    for (let i = 0; i < 3; i++) expect((await pre(hook, "git", ["status"], root, "one")).kind).toBe("allow");
    expect((await pre(hook, "git", ["status"], root, "one")).kind).toBe("deny");
    expect((await pre(hook, "git", ["status"], root, "two")).kind).toBe("allow");
  });
});

describe("redact-secrets", () => {
  const hook = example("redact-secrets");
  const secrets = {
    awsKeyId: "AKIAIOSFODNN7EXAMPLE",
    awsSecret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    session: "IQoJb3JpZ2luX2VjEXAMPLETOKENabcdefghij0123==",
    github: "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    githubPat: "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    gitlab: "glpat-abcdefghij0123456789",
    keyBody: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
    inlineKey: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    password: "hunter2",
    quoted: "s3cret value",
    json: "pw123",
    url: "tok3n",
  };
  const output = [
    "keep this line",
    `aws_access_key_id = ${secrets.awsKeyId}`,
    `aws_secret_access_key = ${secrets.awsSecret}`,
    `{"SecretAccessKey": "${secrets.awsSecret}", "SessionToken": "${secrets.session}"}`,
    `token: ${secrets.github} and ${secrets.githubPat}`,
    `GITLAB_TOKEN=${secrets.gitlab}`,
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    secrets.keyBody,
    "-----END OPENSSH PRIVATE KEY-----",
    `"private_key": "-----BEGIN PRIVATE KEY-----\\n${secrets.inlineKey}\\n-----END PRIVATE KEY-----\\n"`,
    `mysql://app:${secrets.url}@db.internal/app password=${secrets.password}`,
    `DB_PASSWORD="${secrets.quoted}" {"password": "${secrets.json}"}`,
    "keep this line too",
    "",
  ].join("\n");

  test("masks every kind of credential it names, in stdout and stderr, and keeps the rest", async () => {
    const result = await post(hook, response(output, `warning: ${secrets.github}\n`));
    expect(result.withheld).toBe(false);
    expect(result.runs[0]).toMatchObject({ rewrote: true, exit_code: 0 });
    const out = new TextDecoder().decode(result.response.stdout);
    for (const [kind, secret] of Object.entries(secrets))
      expect({ kind, leaked: out.includes(secret) }).toEqual({ kind, leaked: false });
    expect(out).toContain("keep this line\n");
    expect(out).toContain("keep this line too\n");
    expect(out).toContain("[redacted:aws-access-key-id]");
    expect(out).toContain(
      "-----BEGIN OPENSSH PRIVATE KEY----- [redacted:private-key]\n-----END OPENSSH PRIVATE KEY-----",
    );
    expect(new TextDecoder().decode(result.response.stderr)).toBe("warning: [redacted:github-token]\n");
  });

  test("output without secrets goes through byte for byte, even when it is not text", async () => {
    const binary = { ...response(""), stdout: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0xff, 0x0a]) };
    const result = await post(hook, binary);
    expect(result).toMatchObject({ withheld: false, runs: [{ rewrote: false, exit_code: 0 }] });
    expect(result.response).toEqual(binary);
  });

  test('with post_exec_failure = "withhold", a redaction that cannot run lets nothing through', async () => {
    const result = await runPostExecHooks([hook], response(`key ${secrets.awsKeyId}\n`), {
      timeoutMs: 30_000,
      agentDir,
      env: { ...env, PATH: "/usr/bin:/bin" }, // airlock missing from the daemon's PATH
      failure: "withhold",
      request: request("aws", ["sts", "get-session-token"]),
      airlock: host.context(root),
    });
    expect(result.withheld).toBe(true);
    expect(result.response.stdout).toHaveLength(0);
    expect(result.reason).toContain("redact-secrets");
  });
});

describe("notify", () => {
  const hook = example("notify");
  const log = join(home, ".local/state/airlock/notify.log");

  test("appends one line per command and leaves the response alone", async () => {
    const given = response("abc\n");
    const first = await post(hook, given, ["push", "origin", "feature-x"]);
    expect(first).toMatchObject({ withheld: false, runs: [{ rewrote: false, exit_code: 0 }] });
    expect(first.response).toEqual(given);
    await post(hook, response("", "", { exit_code: 143, signal: "SIGTERM" }), ["fetch", "multi\nline"]);
    const lines = readFileSync(log, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ claude: git push origin feature-x -> exit 0 \(in .+\)$/,
    );
    expect(lines[1]).toContain("git fetch multi line -> killed by SIGTERM");
  });
});

describe("airlock hook-util", () => {
  const doc = JSON.stringify({ params: { args: ["push", "it's"] }, airlock: { container: null } });

  test("get prints raw strings, shell words, or exits 1 naming an absent path", async () => {
    expect(await runAirlock(["hook-util", "get", "params.args.1"], { stdin: doc })).toMatchObject({
      exitCode: 0,
      stdout: "it's\n",
    });
    expect((await runAirlock(["hook-util", "get", "--sh", "params.args"], { stdin: doc })).stdout).toBe(
      "'push' 'it'\\''s'\n",
    );
    expect((await runAirlock(["hook-util", "get", "airlock.container"], { stdin: doc })).stdout).toBe("\n");
    const absent = await runAirlock(["hook-util", "get", "params.cwd"], { stdin: doc });
    expect(absent.exitCode).toBe(1);
    expect(absent.stderr).toContain("no value at 'params.cwd'");
  });

  test("sha256 hashes stdin, or the JSON array of the values at the paths", async () => {
    const hex = (text: string) => `${createHash("sha256").update(text).digest("hex")}\n`;
    expect((await runAirlock(["hook-util", "sha256"], { stdin: "abc" })).stdout).toBe(hex("abc"));
    expect(
      (await runAirlock(["hook-util", "sha256", "params.args", "airlock.container"], { stdin: doc })).stdout,
    ).toBe(hex('[["push","it\'s"],null]'));
  });

  test("json builds nested objects from key=text, key=@file and key:=json", async () => {
    const file = join(root, "masked.txt");
    writeFileSync(file, "[redacted]\n");
    const out = await runAirlock([
      "hook-util",
      "json",
      `output.stdout=@${file}`,
      "result.exit_code:=0",
      "a=b",
    ]);
    expect(JSON.parse(out.stdout)).toEqual({
      output: { stdout: "[redacted]\n" },
      result: { exit_code: 0 },
      a: "b",
    });
  });

  test("now and age print whole seconds", async () => {
    const now = Number((await runAirlock(["hook-util", "now"])).stdout);
    expect(Math.abs(now - Date.now() / 1000)).toBeLessThan(3600);
    const file = join(root, "aged");
    writeFileSync(file, "");
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    expect(Number((await runAirlock(["hook-util", "age", file])).stdout)).toBeGreaterThanOrEqual(119);
  });
});
