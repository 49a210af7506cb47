// Whether this process runs in the host's (initial) pid namespace. Kernel threads are visible only there:
// pid 2 is kthreadd, with the kernel-thread flag that no user process can set.
import { readFileSync } from "node:fs";

const PF_KTHREAD = 0x00200000;
let cached: boolean | undefined;

export function inInitialPidNamespace(): boolean {
  cached ??= readsAsKthreadd();
  return cached;
}

function readsAsKthreadd(): boolean {
  try {
    const stat = readFileSync("/proc/2/stat", "utf8");
    const close = stat.lastIndexOf(")");
    if (stat.slice(stat.indexOf("(") + 1, close) !== "kthreadd") return false;
    // Fields after the name: state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8) flags(9).
    const flags = Number(stat.slice(close + 2).split(" ")[6]);
    return (flags & PF_KTHREAD) !== 0;
  } catch {
    return false;
  }
}
