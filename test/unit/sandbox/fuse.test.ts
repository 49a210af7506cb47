import { describe, expect, test } from "bun:test";
import { closeSync, mkdirSync, writeFileSync } from "node:fs";
import { bwrapArgs } from "../../../src/sandbox/bwrap-args.ts";
import { bypassDirs, checkBypass } from "../../../src/sandbox/fuse/bypass.ts";
import { dynamicPlan, onTopOfViews } from "../../../src/sandbox/fuse/plan.ts";
import { direntSize, ENTRY_OUT, writeAttr } from "../../../src/sandbox/fuse/protocol.ts";
import { SNAPSHOT_BYTES, View } from "../../../src/sandbox/fuse/view.ts";
import { parseViewConfigs } from "../../../src/sandbox/fuse/view-config.ts";
import { buildPlan } from "../../../src/sandbox/plan.ts";
import { tempTree } from "../../helpers/temp-tree.ts";
import { pkcs1 } from "./keys.ts";
import { BWRAP, baseFacts, builtinProfile, CWD, HOME, NO_SCAN, request } from "./request.ts";

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
  const outside = "/srv/app";
  const apart = dynamicPlan(
    buildPlan(
      request({ profile: withReadOnly, cwd: outside }),
      baseFacts({ [outside]: "dir", [`${outside}/.git/hooks`]: "dir", [`${HOME}/.ssh`]: "dir" }),
      NO_SCAN,
    ),
    profile.redaction,
    "test",
  );

  test("a project inside HOME: one view of HOME, its placeholder first, the project writable in it", () => {
    expect(plan.views?.map((v) => v.root)).toEqual([HOME]);
    const first = plan.mounts.findIndex((op) => op.dest === HOME || op.dest.startsWith(`${HOME}/`));
    expect(plan.mounts[first]).toMatchObject({ op: "tmpfs", dest: HOME, purpose: "home" });
    // Only an empty directory for bwrap to enter, below the view, never bound on top of it.
    expect(plan.mounts.filter((op) => op.dest === CWD).map((op) => op.op)).toEqual(["tmpfs"]);
    expect(onTopOfViews(plan).some((entry) => entry.path === CWD)).toBe(false);
    expect(plan.views?.[0]?.writable).toEqual([CWD]);
  });

  test("a project outside HOME: two views, HOME first, each with its own placeholder", () => {
    expect(apart.views?.map((v) => v.root)).toEqual([HOME, outside]);
    expect(apart.views?.map((v) => v.writable)).toEqual([[], [outside]]);
    expect(apart.mounts.filter((op) => op.dest === outside).map((op) => op.op)).toEqual(["tmpfs"]);
    expect(apart.views?.[1]?.readOnly).toEqual([`${outside}/.git/hooks`]);
  });

  test("read_only paths become rules of the view, redacted copies go; mounts outside the views stay", () => {
    expect(plan.views?.[0]?.readOnly).toEqual([`${CWD}/.git/hooks`]);
    expect(plan.mounts.some((op) => op.purpose === "redacted" || op.purpose === "read-only")).toBe(false);
    expect(plan.mounts.some((op) => op.dest === "/" && op.op === "ro-bind")).toBe(true);
    expect(plan.redactionMode).toBe("dynamic");
  });

  test("hidden stores inside HOME are hidden by the view and mounted again on top of it, read-only", () => {
    expect(plan.views?.[0]?.hidden).toContain(`${HOME}/.ssh`);
    const ssh = plan.mounts.findIndex((op) => op.dest === `${HOME}/.ssh` && op.op === "tmpfs");
    const placeholder = plan.mounts.findIndex((op) => op.dest === HOME);
    expect(ssh).toBeGreaterThan(placeholder);
    expect(onTopOfViews(plan)).toContainEqual({ path: `${HOME}/.ssh`, readOnly: true });
    expect(onTopOfViews(plan).some((entry) => entry.path === HOME)).toBe(false);
  });

  test("[redaction] bypass directories are bound into the placeholder, right after it; overlaps are refused", () => {
    const redaction = { ...profile.redaction, bypass: ["node_modules", ".git"] };
    const fast = dynamicPlan(buildPlan(request({ profile: withReadOnly }), facts, scan), redaction, "test");
    const at = fast.mounts.findIndex((op) => op.dest === HOME);
    expect(fast.mounts.slice(at, at + 4).map((op) => `${op.op} ${op.source ?? ""} ${op.dest}`)).toEqual([
      `tmpfs  ${HOME}`,
      `tmpfs  ${CWD}`,
      `bind ${CWD}/node_modules ${CWD}/node_modules`,
      `bind ${CWD}/.git ${CWD}/.git`,
    ]);
    expect(bypassDirs(fast)).toEqual([`${CWD}/node_modules`, `${CWD}/.git`]);
    expect(onTopOfViews(fast)).toContainEqual({ path: `${CWD}/node_modules`, readOnly: false });
    // .git holds the read_only .git/hooks: a direct bind would make the hooks writable again.
    expect(() =>
      checkBypass({ ...fast, mounts: fast.mounts.filter((op) => !op.dest.endsWith("node_modules")) }),
    ).toThrow(`the bypass directory ${CWD}/.git overlaps ${CWD}/.git/hooks`);
  });

  test("bwrap gets a /dev the view can be mounted from, the two capabilities the helper drops, no --disable-userns", () => {
    const args = bwrapArgs(plan, { ...BWRAP, dropCapabilities: true }).join(" ");
    expect(args).toContain(
      "--cap-drop ALL --cap-add CAP_SYS_ADMIN --cap-add CAP_SETPCAP --cap-add CAP_SYS_RESOURCE",
    );
    expect(args).toContain("--tmpfs /dev --dev-bind /dev/null /dev/null");
    expect(args).toContain("--dev-bind /dev/fuse /dev/fuse");
    expect(args).not.toContain("--dev /dev");
    expect(args).not.toContain("--disable-userns");
    const nested = bwrapArgs({ ...plan, nestedNamespaces: true }, { ...BWRAP, dropCapabilities: true }).join(
      " ",
    );
    expect(nested).not.toContain("CAP_SYS_RESOURCE");
  });

  test("the views' configuration survives the trip to the server and refuses anything malformed", () => {
    const configs = apart.views ?? [];
    expect(parseViewConfigs(JSON.stringify(configs))).toEqual([...configs]);
    const relative = { ...configs[0], root: "relative" };
    expect(() => parseViewConfigs(JSON.stringify([relative]))).toThrow();
    expect(() => parseViewConfigs(JSON.stringify([{ ...configs[0], writable: "x" }]))).toThrow();
    expect(() => parseViewConfigs("[]")).toThrow();
  });
});

describe("the view's decisions", () => {
  const config = (root: string) => ({
    root,
    hidden: [`${root}/secret-dir`],
    writable: [root],
    readOnly: [`${root}/.git/hooks`],
    envFiles: [".env", ".env.*"],
    envPaths: [`${root}/config/app.secrets`],
    privateKeys: true,
  });

  test("the target of a dotenv-named symlink reads as a dotenv file, whatever it is called", async () => {
    await using tree = await tempTree({
      "config/app.secrets": "DB_PASS=hunter2\n",
      "config/other.txt": "A=1\n",
    });
    const view = new View(config(tree.path));
    const secrets = view.open(tree.at("config/app.secrets"));
    expect(secrets.kind === "bytes" && Buffer.from(secrets.bytes).toString()).toBe("DB_PASS=*******\n");
    const other = view.open(tree.at("config/other.txt"));
    expect(other.kind === "bytes" && Buffer.from(other.bytes).toString()).toBe("A=1\n");
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

  test("over 1 MiB: a dotenv file, or a file with a private key anywhere in it, is masked whole; anything else is served as it is", async () => {
    await using tree = await tempTree({});
    writeFileSync(tree.at(".env"), `A=${"x".repeat(SNAPSHOT_BYTES)}\n`);
    const key = pkcs1().privateKey;
    writeFileSync(tree.at("big.log"), `${"y".repeat(SNAPSHOT_BYTES)}\n${key}`);
    writeFileSync(tree.at("plain.log"), `${"z".repeat(SNAPSHOT_BYTES)}\nno key here\n`);
    const view = new View(config(tree.path));
    expect(view.open(tree.at(".env"))).toEqual({ kind: "masked", size: SNAPSHOT_BYTES + 3 });
    expect(view.open(tree.at("big.log"))).toEqual({ kind: "masked", size: SNAPSHOT_BYTES + 1 + key.length });
    expect(view.isRedacted(tree.at("big.log"))).toBe(true);
    const plain = view.open(tree.at("plain.log"));
    expect(plain.kind).toBe("fd");
    if (plain.kind === "fd") closeSync(plain.fd);
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

  test("a hidden path shows itself empty and is never read; what lies inside it is absent", async () => {
    await using tree = await tempTree({ "secret-dir/id_rsa": "raw secret\n" });
    const view = new View(config(tree.path));
    expect(view.isAbsent(tree.at("secret-dir"))).toBe(false);
    expect(view.isAbsent(tree.at("secret-dir/id_rsa"))).toBe(true);
    expect(view.attrOf(tree.at("secret-dir/id_rsa")).size).toBe(0n);
    const content = view.open(tree.at("secret-dir/id_rsa"));
    expect(content.kind === "bytes" && content.bytes.length).toBe(0);
    expect(view.isReadOnly(tree.at("secret-dir/new"))).toBe(true);
  });

  test("changes go through only inside a writable path (HOME is read-only outside the project)", async () => {
    await using tree = await tempTree({ "project/a.txt": "a\n", "notes.txt": "n\n" });
    const view = new View({ ...config(tree.path), writable: [tree.at("project")] });
    expect(view.isReadOnly(tree.at("project/a.txt"))).toBe(false);
    expect(view.isReadOnly(tree.at("notes.txt"))).toBe(true);
    expect(view.isReadOnly(tree.at("project-2/x"))).toBe(true);
  });

  test("a file decided once is decided again when its content changes: a key written later is caught", async () => {
    await using tree = await tempTree({ "notes.txt": "nothing yet\n" });
    const view = new View(config(tree.path));
    expect(view.isRedacted(tree.at("notes.txt"))).toBe(false);
    expect(view.isRedacted(tree.at("notes.txt"))).toBe(false);
    writeFileSync(tree.at("notes.txt"), `now a key\n${pkcs1().privateKey}`);
    expect(view.isRedacted(tree.at("notes.txt"))).toBe(true);
  });
});

describe("protocol encoding", () => {
  // Names in requests: test/unit/sandbox/fuse-decode.test.ts.
  test("dirent sizes padded to 8", () => {
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
