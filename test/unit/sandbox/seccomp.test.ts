import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { IOCTL_BY_ARCH, TIOCLINUX, TIOCSTI, tiocstiFilter } from "../../../src/sandbox/seccomp.ts";

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;

/** Runs a classic-BPF seccomp program the way the kernel does, on a seccomp_data of our making. */
function run(program: Uint8Array, data: { nr: number; arch: number; args: bigint[] }): number {
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const input = new DataView(new ArrayBuffer(64));
  input.setUint32(0, data.nr, true);
  input.setUint32(4, data.arch, true);
  for (const [i, arg] of data.args.entries()) input.setBigUint64(16 + i * 8, arg, true);
  let acc = 0;
  for (let pc = 0, steps = 0; steps < 1000; steps++) {
    if (pc * 8 >= program.length) throw new Error("fell off the end of the program");
    const code = view.getUint16(pc * 8, true);
    const jt = view.getUint8(pc * 8 + 2);
    const jf = view.getUint8(pc * 8 + 3);
    const k = view.getUint32(pc * 8 + 4, true);
    if (code === 0x20) acc = input.getUint32(k, true);
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected opcode ${code}`);
    pc++;
  }
  throw new Error("no return");
}

const call = (arch: number, nr: number, request: bigint) =>
  run(tiocstiFilter(), { nr, arch, args: [0n, request] });

describe("the TIOCSTI seccomp filter", () => {
  for (const { name, arch, ioctl } of IOCTL_BY_ARCH) {
    for (const nr of ioctl) {
      test(`${name} (syscall ${nr}): refuses TIOCSTI and TIOCLINUX, allows other ioctls`, () => {
        expect(call(arch, nr, BigInt(TIOCSTI))).toBe(EPERM);
        expect(call(arch, nr, BigInt(TIOCLINUX))).toBe(EPERM);
        expect(call(arch, nr, 0x5413n)).toBe(ALLOW); // TIOCGWINSZ: TUIs need their window size
        expect(call(arch, nr, 0x5401n)).toBe(ALLOW); // TCGETS
      });
    }
  }

  test("compares the request on its low 32 bits, as the kernel reads it", () => {
    const x86 = IOCTL_BY_ARCH[0];
    expect(call(x86?.arch ?? 0, 16, (1n << 32n) | BigInt(TIOCSTI))).toBe(EPERM);
  });

  test("allows every other syscall on every architecture", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...IOCTL_BY_ARCH),
        fc.nat(1000),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (entry, nr, arg) => {
          fc.pre(!entry.ioctl.includes(nr));
          expect(call(entry.arch, nr, arg)).toBe(ALLOW);
        },
      ),
    );
  });

  test("allows everything on an architecture it does not know (no syscall numbers to trust)", () => {
    expect(call(0x12345678, 16, BigInt(TIOCSTI))).toBe(ALLOW);
  });

  test("always ends in a return: no path falls off the program", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (arch, nr, arg) => {
        expect([ALLOW, EPERM]).toContain(call(arch, nr, arg));
      }),
    );
  });
});
