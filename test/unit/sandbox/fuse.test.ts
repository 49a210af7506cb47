import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { bwrapArgs } from "../../../src/sandbox/bwrap-args.ts";
import { bypassDirs, checkBypass } from "../../../src/sandbox/fuse/bypass.ts";
import { dynamicPlan } from "../../../src/sandbox/fuse/plan.ts";
import { cStrings, direntSize, ENTRY_OUT, writeAttr } from "../../../src/sandbox/fuse/protocol.ts";
import { SNAPSHOT_BYTES, View } from "../../../src/sandbox/fuse/view.ts";
import { parseViewConfig } from "../../../src/sandbox/fuse/view-config.ts";
import { buildPlan } from "../../../src/sandbox/plan.ts";
import { tempTree } from "../../helpers/temp-tree.ts";
import { pkcs1 } from "./keys.ts";
import { baseFacts, builtinProfile, CWD, HOME, NO_SCAN, request } from "./request.ts";

const BWRAP = {
  bwrap: "/usr/bin/bwrap",
  envBin: undefined,
  shieldSignals: false,
  statusFd: 3,
  seccompFd: 4,
  newSession: true,
  canDisableUserns: true,
  dropCapabilities: true,
  verifier: undefined,
};

describe("the dynamic plan (pure)", () => {
  const profile = builtinProfile("default");
  const withReadOnly = { ...profile, readOnly: ["./.git/hooks"] };
  const facts = baseFacts({ [`${CWD}/.git/hooks`]: "dir", [`${CWD}/.env`]: "file", [`${HOME}/.ssh`]: "dir" });
  const scan = {
    ...NO_SCAN,
    redacted: [{ path: `${CWD}/.env`, copy: "/run/ws/r0", kind: "env" as const, count: 1, sha256: "x" }],
  };
  const plan = dynamicPlan(
    buildPlan(request({ profile: withReadOnly }), facts, scan),
    profile.redaction,
    "test",
  );

  test("the project is an empty tmpfs placeholder, and nothing is mounted inside it", () => {
    const inside = plan.mounts.filter((op) => op.dest.startsWith(`${CWD}/`));
    expect(inside).toEqual([]);
    expect(plan.mounts.filter((op) => op.dest === CWD).map((op) => op.op)).toEqual(["tmpfs"]);
    expect(plan.mounts.some((op) => op.op === "bind" && op.dest === CWD)).toBe(false);
  });

  test("read_only paths in the project become rules of the view; mounts outside it stay", () => {
    expect(plan.view?.readOnly).toEqual([`${CWD}/.git/hooks`]);
    expect(plan.view?.root).toBe(CWD);
    expect(plan.mounts.some((op) => op.dest === `${HOME}/.ssh` && op.op === "tmpfs")).toBe(true);
    expect(plan.redactionMode).toBe("dynamic");
  });

  test("[redaction] bypass directories are bound into the placeholder, right after it; overlaps are refused", () => {
    const redaction = { ...profile.redaction, bypass: ["node_modules", ".git"] };
    const fast = dynamicPlan(buildPlan(request({ profile: withReadOnly }), facts, scan), redaction, "test");
    const at = fast.mounts.findIndex((op) => op.dest === CWD);
    expect(fast.mounts.slice(at, at + 3).map((op) => `${op.op} ${op.source ?? ""} ${op.dest}`)).toEqual([
      `tmpfs  ${CWD}`,
      `bind ${CWD}/node_modules ${CWD}/node_modules`,
      `bind ${CWD}/.git ${CWD}/.git`,
    ]);
    expect(bypassDirs(fast)).toEqual([`${CWD}/node_modules`, `${CWD}/.git`]);
    // .git holds the read_only .git/hooks: a direct bind would make the hooks writable again.
    expect(() =>
      checkBypass({ ...fast, mounts: fast.mounts.filter((op) => !op.dest.endsWith("node_modules")) }),
    ).toThrow(`the bypass directory ${CWD}/.git overlaps ${CWD}/.git/hooks`);
  });

  test("bwrap gets a /dev the view can be mounted from, the two capabilities the helper drops, no --disable-userns", () => {
    const args = bwrapArgs(plan, BWRAP).join(" ");
    expect(args).toContain(
      "--cap-drop ALL --cap-add CAP_SYS_ADMIN --cap-add CAP_SETPCAP --cap-add CAP_SYS_RESOURCE",
    );
    expect(args).toContain("--tmpfs /dev --dev-bind /dev/null /dev/null");
    expect(args).toContain("--dev-bind /dev/fuse /dev/fuse");
    expect(args).not.toContain("--dev /dev");
    expect(args).not.toContain("--disable-userns");
    const nested = bwrapArgs({ ...plan, nestedNamespaces: true }, BWRAP).join(" ");
    expect(nested).not.toContain("CAP_SYS_RESOURCE");
  });

  test("the view's configuration survives the trip to the server and refuses anything malformed", () => {
    const config = plan.view;
    expect(parseViewConfig(JSON.stringify(config))).toEqual(config ?? parseViewConfig("{}"));
    expect(() =>
      parseViewConfig('{"root":"relative","hidden":[],"readOnly":[],"envFiles":[],"privateKeys":true}'),
    ).toThrow();
    expect(() => parseViewConfig("[]")).toThrow();
  });
});

describe("the view's decisions", () => {
  const config = (root: string) => ({
    root,
    hidden: [`${root}/secret-dir`],
    readOnly: [`${root}/.git/hooks`],
    envFiles: [".env", ".env.*"],
    privateKeys: true,
  });

  test("dotenv by name, keys by content, ordinary files as they are", async () => {
    const key = pkcs1().privateKey;
    await using tree = await tempTree({
      ".env.local": "A=secret\n",
      "notes.txt": `k:\n${key}`,
      "a.txt": "plain\n",
    });
    const view = new View(config(tree.path));
    const read = (name: string) => {
      const content = view.open(tree.at(name));
      return content.kind === "bytes" ? Buffer.from(content.bytes).toString() : content.kind;
    };
    expect(read(".env.local")).toBe("A=******\n");
    expect(read("notes.txt")).toStartWith("k:\n-----BEGIN RSA PRIVATE KEY-----\n****");
    expect(read("a.txt")).toBe("plain\n");
    expect(view.isRedacted(tree.at(".env.local"))).toBe(true);
    expect(view.isRedacted(tree.at("notes.txt"))).toBe(true);
    expect(view.isRedacted(tree.at("a.txt"))).toBe(false);
  });

  test("over 1 MiB: a dotenv file is masked whole, anything else is served as it is without a search", async () => {
    await using tree = await tempTree({});
    writeFileSync(tree.at(".env"), `A=${"x".repeat(SNAPSHOT_BYTES)}\n`);
    writeFileSync(tree.at("big.log"), `${"y".repeat(SNAPSHOT_BYTES)}\n${pkcs1().privateKey}`);
    const view = new View(config(tree.path));
    expect(view.open(tree.at(".env"))).toEqual({ kind: "masked", size: SNAPSHOT_BYTES + 3 });
    const big = view.open(tree.at("big.log"));
    expect(big.kind).toBe("fd");
    if (big.kind === "fd") require("node:fs").closeSync(big.fd);
  });

  test("hidden and read-only places cover everything below them", async () => {
    await using tree = await tempTree({});
    mkdirSync(tree.at("secret-dir/x"), { recursive: true });
    const view = new View(config(tree.path));
    expect(view.isHidden(tree.at("secret-dir/x/y"))).toBe(true);
    expect(view.isHidden(tree.at("secret-dir-2"))).toBe(false);
    expect(view.isReadOnly(tree.at(".git/hooks/pre-commit"))).toBe(true);
    expect(view.isReadOnly(tree.at(".git/config"))).toBe(false);
  });
});

describe("protocol encoding", () => {
  test("names after a request's fixed part, and dirent sizes padded to 8", () => {
    expect(cStrings(Buffer.from("old\0new\0"), 2)).toEqual(["old", "new"]);
    expect(cStrings(Buffer.from("näme\0"), 1)).toEqual(["näme"]);
    expect(direntSize(1, false)).toBe(32);
    expect(direntSize(8, false)).toBe(32);
    expect(direntSize(9, false)).toBe(40);
    expect(direntSize(1, true)).toBe(ENTRY_OUT + 32);
  });

  test("fuse_attr carries seconds and nanoseconds apart, mode and ids as 32-bit fields", () => {
    const view = new DataView(new ArrayBuffer(88));
    writeAttr(view, 0, {
      ino: 7n,
      size: 100n,
      blocks: 1n,
      atimeNs: 1_500_000_000_250n,
      mtimeNs: 2_000_000_000n,
      ctimeNs: 3n,
      mode: 0o100644n,
      nlink: 1n,
      uid: 1000n,
      gid: 100n,
      rdev: 0n,
      blksize: 4096n,
    });
    expect(view.getBigUint64(0, true)).toBe(7n);
    expect(view.getBigUint64(24, true)).toBe(1500n);
    expect(view.getUint32(48, true)).toBe(250);
    expect(view.getUint32(60, true)).toBe(0o100644);
    expect(view.getUint32(68, true)).toBe(1000);
  });
});
