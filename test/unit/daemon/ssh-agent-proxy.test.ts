import { describe, expect, test } from "bun:test";
import { allowedRequest } from "../../../src/daemon/jail/ssh-agent-proxy.ts";

/** An agent-protocol frame: uint32 length, then the type byte and the body. */
function frame(type: number, body: Uint8Array = new Uint8Array()): Uint8Array {
  const out = new Uint8Array(5 + body.byteLength);
  new DataView(out.buffer).setUint32(0, 1 + body.byteLength);
  out[4] = type;
  out.set(body, 5);
  return out;
}

function extension(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  const body = new Uint8Array(4 + bytes.byteLength);
  new DataView(body.buffer).setUint32(0, bytes.byteLength);
  body.set(bytes, 4);
  return frame(27, body);
}

describe("the ssh-agent proxy lets a jail use keys, never manage them", () => {
  test("listing keys and signing pass", () => {
    expect(allowedRequest(frame(11))).toBe(true);
    expect(allowedRequest(frame(13, new Uint8Array([0, 0, 0, 0])))).toBe(true);
  });

  test("the session-bind extension an ssh client sends passes; other extensions do not", () => {
    expect(allowedRequest(extension("session-bind@openssh.com"))).toBe(true);
    expect(allowedRequest(extension("query"))).toBe(false);
    expect(allowedRequest(extension("session-bind@openssh.com.evil"))).toBe(false);
  });

  test("adding, removing, locking keys and loading a PKCS#11 provider are refused", () => {
    // ADD_IDENTITY 17, REMOVE_IDENTITY 18, REMOVE_ALL 19, ADD_SMARTCARD_KEY 20, REMOVE_SMARTCARD_KEY 21,
    // LOCK 22, UNLOCK 23, ADD_ID_CONSTRAINED 25, ADD_SMARTCARD_KEY_CONSTRAINED 26.
    for (const type of [17, 18, 19, 20, 21, 22, 23, 25, 26, 0, 255])
      expect(allowedRequest(frame(type))).toBe(false);
  });

  test("a truncated extension frame is refused", () => {
    const broken = extension("session-bind@openssh.com").slice(0, 12);
    expect(allowedRequest(broken)).toBe(false);
  });
});
