import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { sbplString, seatbeltArgv, seatbeltProfile } from "../../../src/sandbox/macos.ts";
import { buildPlan } from "../../../src/sandbox/plan.ts";
import type { SandboxPlan } from "../../../src/sandbox/types.ts";
import { baseFacts, builtinProfile, CWD, HOME, NO_SCAN, request } from "./request.ts";

function plan(overrides: Partial<SandboxPlan> = {}): SandboxPlan {
  const socket = `${HOME}/.config/airlock/sockets/claude.sock`;
  const base = buildPlan(
    request({ profile: builtinProfile("npm"), agent: { name: "claude", socket, commands: ["git"] } }),
    baseFacts({
      [`${HOME}/.ssh`]: "dir",
      [`${HOME}/.npmrc`]: "file",
      [`${HOME}/.config/airlock`]: "dir",
      [`${HOME}/.npm/_cacache`]: "dir",
      [socket]: "socket",
      "/usr/bin/curl": "file",
    }),
    {
      ...NO_SCAN,
      redacted: [{ path: `${CWD}/.env`, copy: "/run/ws/r0", kind: "env", count: 1, sha256: "x" }],
    },
  );
  return { ...base, ...overrides };
}

/** Reads back an SBPL string literal; the profile is only sound if every literal reads back exactly. */
function readLiteral(text: string): { value: string; rest: string } {
  if (!text.startsWith('"')) throw new Error("not a string literal");
  let value = "";
  for (let i = 1; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === "\\") value += text.charAt(++i);
    else if (ch === '"') return { value, rest: text.slice(i + 1) };
    else value += ch;
  }
  throw new Error("unterminated string literal");
}

describe("the Seatbelt profile", () => {
  const profile = seatbeltProfile(plan());

  test("starts from the host and takes away", () => {
    expect(profile.startsWith("(version 1)\n")).toBe(true);
    expect(profile).toContain("(allow default)");
  });

  test("denies reading and writing every hidden directory and file", () => {
    expect(profile).toMatch(/\(deny file-read\* file-write\*[^)]*\(subpath "\/home\/me\/\.ssh"\)/);
    expect(profile).toContain(`(literal "${HOME}/.npmrc")`);
    expect(profile).toContain(`(subpath "${HOME}/.config/airlock")`);
  });

  test("allows writes only in the project, the profile's writable paths, temp dirs and /dev", () => {
    const start = profile.indexOf("(deny file-write*");
    const writes = profile.slice(start, profile.indexOf("\n  ))", start));
    for (const dir of [CWD, `${HOME}/.npm/_cacache`, "/private/tmp", "/private/var/folders", "/dev"]) {
      expect(writes).toContain(`(require-not (subpath "${dir}"))`);
    }
  });

  test("makes files the scan would redact unreadable (Seatbelt cannot show a redacted copy)", () => {
    expect(profile).toMatch(/\(deny file-read\*\n {2}\(literal "\/home\/me\/src\/app\/\.env"\)/);
  });

  test("denies executing deny_exec programs", () => {
    expect(profile).toMatch(/\(deny process-exec\n {2}\(literal "\/usr\/bin\/curl"\)/);
  });

  test("allows the agent's socket after everything that hides it (later rules win)", () => {
    const socket = `${HOME}/.config/airlock/sockets/claude.sock`;
    const allow = profile.indexOf(`(allow network-outbound (remote unix-socket (path-literal "${socket}")))`);
    expect(allow).toBeGreaterThan(profile.indexOf(`(subpath "${HOME}/.config/airlock")`));
    expect(profile.indexOf(`(allow file-read* file-write* (literal "${socket}"))`)).toBeGreaterThan(-1);
  });

  test("--network off denies the network, the agent socket still comes after", () => {
    const off = seatbeltProfile(plan({ network: false }));
    expect(off).toContain("(deny network*)");
    expect(off.indexOf("(deny network*)")).toBeLessThan(off.indexOf("(allow network-outbound"));
    expect(profile).not.toContain("(deny network*)");
  });

  test("runs the program through sandbox-exec, arguments verbatim", () => {
    const argv = seatbeltArgv("(version 1)", plan({ program: "npm", args: ["install", "--", "$(id)"] }));
    expect(argv).toEqual(["/usr/bin/sandbox-exec", "-p", "(version 1)", "npm", "install", "--", "$(id)"]);
    expect(() => seatbeltArgv("", plan({ program: "-x" }))).toThrow();
  });
});

describe("SBPL string literals", () => {
  test("any path without control characters reads back exactly, so it cannot end the literal early", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }).filter((s) => ![...s].some((ch) => ch < " " || ch === "\u007f")),
        (path) => {
          const literal = sbplString(path);
          const { value, rest } = readLiteral(`${literal})(allow default)`);
          expect(value).toBe(path);
          expect(rest).toBe(")(allow default)");
        },
      ),
      { numRuns: 500 },
    );
  });

  test.each(['a"b', "a\\b", '")(allow default)("'])("escapes %j", (path) => {
    expect(readLiteral(sbplString(path)).value).toBe(path);
  });

  test("refuses control characters rather than guess how Seatbelt reads them", () => {
    expect(() => sbplString("a\nb")).toThrow(/control characters/);
  });
});
