// Properties of the pure plan, checked over generated hosts: whatever exists where, and however the
// profile is written, nothing on the deny lists stays readable.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { globMatches } from "../../../src/policy/glob.ts";
import { DEFAULT_DENY_READ, DEFAULT_ENV_DENY } from "../../../src/sandbox/defaults.ts";
import { SandboxError } from "../../../src/sandbox/errors.ts";
import { expandPath } from "../../../src/sandbox/paths.ts";
import { buildPlan, effectiveOp } from "../../../src/sandbox/plan.ts";
import type { PathFact, SandboxPlan } from "../../../src/sandbox/types.ts";
import { builtinProfile, CWD, EMPTY, HOME, NO_SCAN, request } from "./request.ts";

const hidden = (plan: SandboxPlan, path: string) => {
  const op = effectiveOp(plan.mounts, path);
  return op !== undefined && (op.op === "tmpfs" || op.source === EMPTY);
};

const kind = fc.constantFrom<PathFact["kind"] | "absent">("absent", "dir", "file", "socket");
const target = fc.record({
  kind,
  symlinkedTo: fc.option(fc.constantFrom("/data/a", "/data/b", `${CWD}/vendor/x`)),
});
const WRITABLE_CHOICES = [
  "~/.cache/",
  "~/.ssh/",
  "~/.config/",
  "~/.aws/sub/",
  "~/.local/share/",
  "/srv/data/",
];

test("no existing deny_read or airlock path is readable, whatever exists and whatever the profile makes writable", () => {
  const airlockPlaces = [
    `${HOME}/.config/airlock`,
    `${HOME}/.config/airlock/sockets`,
    `${HOME}/.local/share/airlock`,
  ];
  const entries = [...DEFAULT_DENY_READ.map((e) => expandPath(e, HOME, CWD)), ...airlockPlaces];
  fc.assert(
    fc.property(
      fc.array(target, { minLength: entries.length, maxLength: entries.length }),
      fc.subarray(WRITABLE_CHOICES),
      (targets, writable) => {
        const facts = new Map<string, PathFact>([
          [HOME, { kind: "dir", real: HOME }],
          [CWD, { kind: "dir", real: CWD }],
          ["/tmp", { kind: "dir", real: "/tmp" }],
        ]);
        const used = new Set<string>();
        entries.forEach((path, i) => {
          const t = targets[i];
          if (t === undefined || t.kind === "absent") return;
          // Two entries cannot be the same real file with different kinds.
          const real = t.symlinkedTo !== null && !used.has(t.symlinkedTo) ? t.symlinkedTo : path;
          used.add(real);
          facts.set(path, { kind: t.kind, real });
        });
        for (const entry of writable) {
          const path = expandPath(entry, HOME, CWD);
          facts.set(path, facts.get(path) ?? { kind: "dir", real: path });
        }
        const profile = { ...builtinProfile("default"), writable };
        let plan: SandboxPlan;
        try {
          plan = buildPlan(request({ profile }), facts, NO_SCAN);
        } catch (error) {
          // Refusing to start is always safe; anything else is a bug.
          expect(error).toBeInstanceOf(SandboxError);
          return;
        }
        entries.forEach((path) => {
          const fact = facts.get(path);
          if (fact === undefined) return;
          expect(hidden(plan, fact.real), `${path} → ${fact.real}`).toBe(true);
          if (fact.kind === "dir") expect(hidden(plan, `${fact.real}/secret`), path).toBe(true);
        });
      },
    ),
    { numRuns: 300 },
  );
});

test("no variable a deny pattern matches survives, unless the profile allows it by name", () => {
  const word = fc.constantFrom(
    "AWS",
    "GH",
    "TOKEN",
    "SECRET",
    "KEY",
    "API",
    "PASSWORD",
    "HOME",
    "LANG",
    "X",
    "auth",
  );
  const name = fc.array(word, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("_"));
  fc.assert(
    fc.property(fc.uniqueArray(name, { maxLength: 20 }), (names) => {
      const env = Object.fromEntries(names.map((n) => [n, "value"]));
      const profile = builtinProfile("agent");
      const plan = buildPlan(
        request({ env: { ...env, HOME }, profile }),
        new Map([[HOME, { kind: "dir", real: HOME }]]),
        NO_SCAN,
      );
      for (const n of names) {
        const denied = DEFAULT_ENV_DENY.some((p) => globMatches(p, n, { caseInsensitive: true }));
        const allowed = profile.env.allow.some((p) => globMatches(p, n, { caseInsensitive: true }));
        if (denied && !allowed) expect(plan.env[n], n).toBeUndefined();
        else if (n !== "HOME") expect(plan.env[n], n).toBe("value");
      }
    }),
    { numRuns: 200 },
  );
});
