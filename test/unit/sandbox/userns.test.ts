import { describe, expect, test } from "bun:test";
import { type UsernsFacts, usernsProblem } from "../../../src/sandbox/userns.ts";

const OPEN: UsernsFacts = {
  unprivilegedUsernsClone: undefined,
  maxUserNamespaces: "63000\n",
  apparmorRestrict: undefined,
  uid: 1000,
  bwrapSetuid: false,
};

describe("unprivileged user namespaces", () => {
  const rows: { why: string; facts: Partial<UsernsFacts>; sysctl: string | undefined }[] = [
    { why: "a stock kernel allows them", facts: {}, sysctl: undefined },
    { why: "Debian's switch on", facts: { unprivilegedUsernsClone: "1\n" }, sysctl: undefined },
    {
      why: "Debian's switch off",
      facts: { unprivilegedUsernsClone: "0\n" },
      sysctl: "kernel.unprivileged_userns_clone=1",
    },
    {
      why: "no namespaces for anyone",
      facts: { maxUserNamespaces: "0\n" },
      sysctl: "user.max_user_namespaces=",
    },
    {
      why: "no namespaces for anyone, root included",
      facts: { maxUserNamespaces: "0\n", uid: 0 },
      sysctl: "user.max_user_namespaces=",
    },
    {
      why: "Ubuntu 24.04's AppArmor restriction",
      facts: { apparmorRestrict: "1\n" },
      sysctl: "kernel.apparmor_restrict_unprivileged_userns=0",
    },
    { why: "AppArmor restriction off", facts: { apparmorRestrict: "0\n" }, sysctl: undefined },
    {
      why: "root is not bound by the unprivileged switches",
      facts: { uid: 0, apparmorRestrict: "1" },
      sysctl: undefined,
    },
    {
      why: "a setuid bwrap makes its namespaces itself",
      facts: { unprivilegedUsernsClone: "0", bwrapSetuid: true },
      sysctl: undefined,
    },
  ];
  for (const row of rows) {
    test(`${row.why}: ${row.sysctl === undefined ? "starts" : `refuses, naming ${row.sysctl}`}`, () => {
      const problem = usernsProblem({ ...OPEN, ...row.facts });
      if (row.sysctl === undefined) expect(problem).toBeUndefined();
      else expect(problem?.hint).toContain(`sysctl -w ${row.sysctl}`);
    });
  }
});
