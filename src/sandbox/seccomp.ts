// PURE: a classic-BPF seccomp filter that refuses TIOCSTI and TIOCLINUX with EPERM.
//
// The sandbox keeps the caller's terminal session so an interactive agent gets its resizes and job
// control. Without this filter a program inside could push keystrokes into that terminal with TIOCSTI,
// and the user's shell would run them after airlock exits (bubblewrap's --new-session exists for this;
// it also takes the terminal away). Kernels from 6.2 can refuse TIOCSTI themselves
// (dev.tty.legacy_tiocsti=0); the filter covers the rest. The request is compared on its low 32 bits,
// as the kernel reads it.

const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_EPERM = 0x00050000 | 1;

/** Offsets into struct seccomp_data (little-endian: the low half of args[1] comes first). */
const NR = 0;
const ARCH = 4;
const ARG1_LOW = 24;

export const TIOCSTI = 0x5412;
export const TIOCLINUX = 0x541c;

/** The ioctl syscall number for each audit architecture a Linux x86_64 or arm64 process may use. */
export const IOCTL_BY_ARCH: ReadonlyArray<{ arch: number; name: string; ioctl: readonly number[] }> = [
  // x86_64, plus the x32 ABI (syscall bit 0x40000000) which shares the audit arch.
  { arch: 0xc000003e, name: "x86_64", ioctl: [16, 0x40000000 + 514] },
  { arch: 0x40000003, name: "i386", ioctl: [54] },
  { arch: 0xc00000b7, name: "aarch64", ioctl: [29] },
  { arch: 0x40000028, name: "arm", ioctl: [54] },
];

interface Insn {
  code: number;
  k: number;
  /** Labels for conditional jumps; resolved to relative offsets by `assemble`. */
  jt?: string;
  jf?: string;
  label?: string;
}

export function tiocstiFilter(): Uint8Array {
  const program: Insn[] = [{ code: LD_W_ABS, k: ARCH }];
  IOCTL_BY_ARCH.forEach((entry, i) => {
    program.push({
      code: JEQ_K,
      k: entry.arch,
      jt: `arch${i}`,
      jf: i === IOCTL_BY_ARCH.length - 1 ? "allow" : undefined,
    });
  });
  IOCTL_BY_ARCH.forEach((entry, i) => {
    program.push({ code: LD_W_ABS, k: NR, label: `arch${i}` });
    entry.ioctl.forEach((nr, j) => {
      program.push({
        code: JEQ_K,
        k: nr,
        jt: "request",
        jf: j === entry.ioctl.length - 1 ? "allow" : undefined,
      });
    });
  });
  program.push({ code: LD_W_ABS, k: ARG1_LOW, label: "request" });
  program.push({ code: JEQ_K, k: TIOCSTI, jt: "deny" });
  program.push({ code: JEQ_K, k: TIOCLINUX, jt: "deny", jf: "allow" });
  program.push({ code: RET_K, k: RET_ALLOW, label: "allow" });
  program.push({ code: RET_K, k: RET_EPERM, label: "deny" });
  return assemble(program);
}

/** struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }, host (little-endian) byte order. */
function assemble(program: readonly Insn[]): Uint8Array {
  const at = new Map<string, number>();
  program.forEach((insn, i) => {
    if (insn.label !== undefined) at.set(insn.label, i);
  });
  const offset = (from: number, label: string | undefined): number => {
    if (label === undefined) return 0; // fall through to the next instruction
    const target = at.get(label);
    if (target === undefined || target <= from || target - from - 1 > 255)
      throw new Error(`bad BPF jump to ${label}`);
    return target - from - 1;
  };
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((insn, i) => {
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, offset(i, insn.jt));
    view.setUint8(i * 8 + 3, offset(i, insn.jf));
    view.setUint32(i * 8 + 4, insn.k >>> 0, true);
  });
  return bytes;
}
