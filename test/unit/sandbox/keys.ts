// Private keys for redaction tests, made fresh each run (no key material is checked in).
import { generateKeyPairSync, randomBytes } from "node:crypto";

const rsa = () =>
  generateKeyPairSync("rsa", {
    modulusLength: 1024,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });

export function pkcs1(): { privateKey: string; publicKey: string } {
  return rsa();
}

export function pkcs8(): string {
  return generateKeyPairSync("ed25519", { privateKeyEncoding: { type: "pkcs8", format: "pem" } }).privateKey;
}

export function encryptedPkcs8(): string {
  return generateKeyPairSync("ec", {
    namedCurve: "P-256",
    privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-128-cbc", passphrase: "pw" },
  }).privateKey;
}

/** Armour with a plausible body: detection is by content, not by parsing the key. */
export function armoured(label: string, lines = 6): string {
  const body = Array.from({ length: lines }, () => randomBytes(48).toString("base64")).join("\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export function putty(): string {
  const line = () => randomBytes(48).toString("base64");
  return [
    "PuTTY-User-Key-File-3: ssh-ed25519",
    "Encryption: none",
    "Comment: me@host",
    "Public-Lines: 2",
    line(),
    line(),
    "Private-Lines: 1",
    line(),
    `Private-MAC: ${randomBytes(32).toString("hex")}`,
    "",
  ].join("\n");
}

/** The base64 lines of a PEM block: what must never survive redaction. */
export function bodyLines(pem: string): string[] {
  return pem
    .split("\n")
    .filter((line) => line.length > 20 && !line.startsWith("-----") && !line.includes(":"));
}
