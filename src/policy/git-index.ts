/**
 * The gitlinks (submodule entries, mode 160000) of a git index file, read without running git: each is a
 * repository git status, diff and checkout may enter. Pure. Formats 2, 3 and 4 (prefix-compressed paths)
 * per git's Documentation/gitformat-index.txt; a split index (`link` extension) is refused, since its
 * entries live in another file.
 */
class IndexFormatError extends Error {}

const GITLINK = 0o160000;
const EXTENDED = 0x4000;

export function gitlinkPaths(bytes: Uint8Array, hashSize: number, file: string): string[] {
  if (bytes.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string) => new IndexFormatError(`${file}: ${what}`);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== "DIRC")
    throw fail("not an index file");
  const version = view.getUint32(4);
  if (version < 2 || version > 4) throw fail(`index version ${version}`);
  const count = view.getUint32(8);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const paths: string[] = [];
  let previous: Uint8Array = new Uint8Array();
  let offset = 12;
  for (let n = 0; n < count; n++) {
    const flagsAt = offset + 40 + hashSize;
    if (flagsAt + 2 > bytes.length) throw fail("truncated entry");
    const mode = view.getUint32(offset + 24);
    const flags = view.getUint16(flagsAt);
    let at = flagsAt + 2 + (version >= 3 && (flags & EXTENDED) !== 0 ? 2 : 0);
    let name: Uint8Array;
    if (version === 4) {
      const [strip, after] = readVarint(bytes, at);
      const end = bytes.indexOf(0, after);
      if (end === -1 || strip > previous.length) throw fail("bad path compression");
      name = concat(previous.subarray(0, previous.length - strip), bytes.subarray(after, end));
      at = end + 1;
    } else {
      const end = bytes.indexOf(0, at);
      if (end === -1) throw fail("truncated path");
      name = bytes.subarray(at, end);
      // Entries are NUL-padded to a multiple of 8 bytes (1 to 8 NULs).
      at = offset + ((end - offset + 8) & ~7);
    }
    if ((mode & 0o170000) === GITLINK) {
      try {
        paths.push(decoder.decode(name));
      } catch {
        throw fail("a submodule path that is not UTF-8");
      }
    }
    previous = name;
    offset = at;
  }
  // Extensions: a 4-byte signature and a 4-byte size each, until the trailing hash.
  while (offset + 8 <= bytes.length - hashSize) {
    const signature = new TextDecoder().decode(bytes.subarray(offset, offset + 4));
    if (signature === "link") throw fail("a split index, whose entries the guard cannot see");
    offset += 8 + view.getUint32(offset + 4);
  }
  return paths;
}

/** git's offset varint (varint.c): each continuation adds one before shifting. */
function readVarint(bytes: Uint8Array, start: number): [number, number] {
  let at = start;
  let byte = bytes[at++] ?? 0;
  let value = byte & 127;
  while (byte & 128) {
    byte = bytes[at++] ?? 0;
    value = (value + 1) * 128 + (byte & 127);
    if (value > 0xffffff) throw new IndexFormatError("path compression out of range");
  }
  return [value, at];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
