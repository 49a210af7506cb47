import { describe, expect, test } from "bun:test";
import { existsSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type {
  Availability,
  DynamicRedaction,
  LaunchIO,
  SandboxBackend,
} from "../../../src/sandbox/backend.ts";
import { macosBackend } from "../../../src/sandbox/backend-macos.ts";
import { chooseBackend } from "../../../src/sandbox/choose-backend.ts";
import { SandboxError } from "../../../src/sandbox/errors.ts";
import { type LaunchRequest, launch } from "../../../src/sandbox/launch.ts";
import type { Prepared } from "../../../src/sandbox/prepare.ts";
import { tempTree } from "../../helpers/temp-tree.ts";
import { builtinProfile } from "./request.ts";

/** A backend that records what the launch asked of it; `run` can look at the run's private directory. */
function fakeBackend(
  options: {
    dynamic?: DynamicRedaction;
    availability?: Availability;
    bindsAgentSocket?: boolean;
    run?: (prepared: Prepared) => number;
  } = {},
) {
  const calls: string[] = [];
  const seen: Prepared[] = [];
  const backend: SandboxBackend = {
    bindsAgentSocket: options.bindsAgentSocket ?? true,
    dynamicRedaction: async () => {
      calls.push("dynamicRedaction");
      return options.dynamic ?? { kind: "unavailable", reason: "no FUSE here" };
    },
    available: async () => {
      calls.push("available");
      return options.availability ?? { ok: true };
    },
    describe: async (prepared) => {
      calls.push("describe");
      seen.push(prepared);
      return ["fake-sandbox", prepared.plan.program];
    },
    run: async (prepared) => {
      calls.push("run");
      seen.push(prepared);
      expect(existsSync(prepared.workspace.dir)).toBe(true);
      return options.run ? options.run(prepared) : 7;
    },
  };
  return { backend, calls, seen };
}

function recordingIO(): LaunchIO & { warnings: string[]; debugLines: string[] } {
  const warnings: string[] = [];
  const debugLines: string[] = [];
  return {
    warnings,
    debugLines,
    debug: (line) => debugLines.push(line),
    warn: (message) => warnings.push(message),
  };
}

function requestIn(cwd: string, overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    profile: builtinProfile("default"),
    profileReason: "test",
    program: "true",
    args: [],
    cwd,
    env: process.env,
    network: true,
    airlock: {
      configDir: "/x",
      socketsDir: "/x",
      dataDir: "/x",
      logFiles: [],
      agentsFile: undefined,
      agentDirs: [],
      jailDirs: [],
    },
    agent: undefined,
    binary: "/usr/local/bin/airlock",
    redact: undefined,
    strict: false,
    dryRun: false,
    ...overrides,
  };
}

describe("launch", () => {
  test("a run: the backend runs the prepared plan, its exit code is the outcome, the private directory goes", async () => {
    await using project = await tempTree({ "README.md": "x\n" });
    const { backend, calls, seen } = fakeBackend();
    const io = recordingIO();
    const outcome = await launch(backend, requestIn(project.path, { redact: "static" }), io);
    expect(outcome).toEqual({ exitCode: 7 });
    expect(calls).toEqual(["available", "run"]);
    expect(seen[0]?.plan.redactionReason).toBe("--redact static");
    expect(existsSync(seen[0]?.workspace.dir ?? "/")).toBe(false);
  });

  test("--dry-run: the report ends with the backend's command; nothing runs, the private directory goes", async () => {
    await using project = await tempTree({ "README.md": "x\n" });
    const { backend, calls, seen } = fakeBackend();
    const io = recordingIO();
    const outcome = await launch(backend, requestIn(project.path, { dryRun: true }), io);
    if (!("dryRun" in outcome)) throw new Error("expected a dry-run report");
    expect(outcome.dryRun.join("\n")).toContain("fake-sandbox");
    expect(calls).toEqual(["dynamicRedaction", "available", "describe"]);
    expect(existsSync(seen[0]?.workspace.dir ?? "/")).toBe(false);
  });

  test("a run that throws: the error comes out, the private directory still goes", async () => {
    await using project = await tempTree({ "README.md": "x\n" });
    const { backend, seen } = fakeBackend({
      run: () => {
        throw new SandboxError("setup", "bwrap said no");
      },
    });
    const launched = launch(backend, requestIn(project.path, { redact: "static" }), recordingIO());
    await expect(launched).rejects.toThrow("bwrap said no");
    expect(existsSync(seen[0]?.workspace.dir ?? "/")).toBe(false);
  });

  test("a backend that cannot start here: its reason in --debug, its error after the warnings, no run", async () => {
    await using project = await tempTree({ "README.md": "x\n" });
    const error = new SandboxError("setup", "no bwrap");
    const { backend, calls } = fakeBackend({ availability: { ok: false, why: "bwrap not found", error } });
    const io = recordingIO();
    await expect(launch(backend, requestIn(project.path, { redact: "static" }), io)).rejects.toBe(error);
    expect(io.debugLines).toContain("bwrap not found");
    expect(calls).not.toContain("run");
  });

  test("--dry-run shows the plan even where the backend cannot start", async () => {
    await using project = await tempTree({ "README.md": "x\n" });
    const error = new SandboxError("setup", "no bwrap");
    const { backend } = fakeBackend({ availability: { ok: false, why: "bwrap not found", error } });
    const outcome = await launch(backend, requestIn(project.path, { dryRun: true }), recordingIO());
    expect("dryRun" in outcome).toBe(true);
  });

  test("Seatbelt-like backends bind no socket placeholder: the shims point at the binary itself", async () => {
    await using project = await tempTree({ "README.md": "x\n" });
    const agent = { name: "claude", socket: project.at("claude.sock"), commands: ["git"] };
    // The plan refuses an agent without a daemon socket: a listening one stands in for the daemon.
    using _daemon = Bun.listen({ unix: agent.socket, socket: { data: () => {} } });
    const shimTargets = new Map<boolean, string>();
    for (const bindsAgentSocket of [true, false]) {
      const { backend, seen } = fakeBackend({
        bindsAgentSocket,
        run: (prepared) => {
          shimTargets.set(bindsAgentSocket, readlinkSync(join(prepared.workspace.shimDir, "git")));
          return 0;
        },
      });
      await launch(backend, requestIn(project.path, { agent, redact: "static" }), recordingIO());
      expect(seen[0]?.workspace.agentSocket !== undefined).toBe(bindsAgentSocket);
    }
    expect(shimTargets.get(false)).toBe("/usr/local/bin/airlock");
    expect(shimTargets.get(true)).toEndWith("/helper/airlock");
  });
});

describe("the redaction mode, chosen in src/sandbox", () => {
  async function reasonFor(
    dynamic: DynamicRedaction,
    wanted: Pick<LaunchRequest, "redact" | "strict">,
  ): Promise<{ reason: string | undefined; mode: string | undefined; warnings: string[] }> {
    await using project = await tempTree({ "README.md": "x\n" });
    const { backend, seen } = fakeBackend({ dynamic });
    const io = recordingIO();
    await launch(backend, requestIn(project.path, wanted), io);
    return {
      reason: seen[0]?.plan.redactionReason,
      mode: seen[0]?.plan.redactionMode,
      warnings: io.warnings,
    };
  }
  const never: DynamicRedaction = { kind: "never", why: "no views here", reason: "views need Linux" };

  test("a backend without views is static by nature: no warning unless dynamic was asked for", async () => {
    expect(await reasonFor(never, { redact: undefined, strict: false })).toEqual({
      reason: "no views here",
      mode: "static",
      warnings: [],
    });
    const asked = await reasonFor(never, { redact: "dynamic", strict: false });
    expect(asked.reason).toBe("fallback: views need Linux");
    expect(asked.warnings).toEqual([
      "dynamic redaction unavailable (views need Linux): using static redaction; files created after launch are not redacted",
    ]);
  });

  test("unavailable on this machine: static with a warning, or --strict refuses and nothing runs", async () => {
    const unavailable: DynamicRedaction = { kind: "unavailable", reason: "no /dev/fuse" };
    const fallback = await reasonFor(unavailable, { redact: undefined, strict: false });
    expect(fallback.reason).toBe("fallback: no /dev/fuse");
    expect(fallback.warnings).toHaveLength(1);
    await using project = await tempTree({ "README.md": "x\n" });
    const { backend, calls } = fakeBackend({ dynamic: unavailable });
    const strict = launch(backend, requestIn(project.path, { strict: true }), recordingIO());
    await expect(strict).rejects.toThrow("--strict refuses to fall back to static");
    expect(calls).toEqual(["dynamicRedaction"]);
  });

  test("available: the plan becomes dynamic, and says why", async () => {
    const result = await reasonFor({ kind: "available" }, { redact: undefined, strict: false });
    expect(result.mode).toBe("dynamic");
    expect(result.reason).toBe("default: this machine supports FUSE");
  });
});

describe("chooseBackend", () => {
  test("another platform: a setup error before anything else", () => {
    expect(() => chooseBackend({}, "win32")).toThrow(SandboxError);
  });

  test("macOS: Seatbelt, no views, the profile as the dry-run's command", async () => {
    const backend = chooseBackend({}, "darwin");
    expect(backend.bindsAgentSocket).toBe(false);
    expect((await backend.dynamicRedaction()).kind).toBe("never");
    expect(await backend.available()).toEqual({ ok: true });
    await using project = await tempTree({ "README.md": "x\n" });
    const outcome = await launch(macosBackend(), requestIn(project.path, { dryRun: true }), recordingIO());
    if (!("dryRun" in outcome)) throw new Error("expected a dry-run report");
    const report = outcome.dryRun.join("\n");
    expect(report).toContain("sandbox-exec -p <profile below>");
    expect(report).toContain("(version 1)");
    expect(report).toContain("Seatbelt has no dynamic view");
  });
});
