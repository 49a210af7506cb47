import { describe, expect, test } from "bun:test";
import { maskDotenv, maskPrivateKeys, mayHoldKey } from "../../../src/sandbox/mask.ts";
import { redactDotenv, redactPrivateKeys } from "../../../src/sandbox/redact.ts";
import { armoured, bodyLines, encryptedPkcs8, pkcs1, pkcs8, putty } from "./keys.ts";

describe("length-preserving masks (the dynamic view)", () => {
  test("a dotenv file keeps its keys, quotes and line ends; every value byte becomes *", () => {
    const text =
      'API_KEY=sk-live-123\r\nexport DB="p@ss word"\n# old: TOKEN=abc\nEMPTY=\nnot an assignment\n';
    const { text: masked, count } = maskDotenv(text);
    expect(masked).toBe(
      `API_KEY=${"*".repeat(11)}\r\nexport DB=${"*".repeat(11)}\n#${"*".repeat(15)}\nEMPTY=\n${"*".repeat(17)}\n`,
    );
    expect(masked).toHaveLength(text.length);
    expect(count).toBe(2);
  });

  test("a quoted value over several lines is masked on every line", () => {
    const text = 'CERT="-----BEGIN\nMIIBsecret\nEND-----"\nNEXT=1\n';
    const masked = maskDotenv(text).text;
    expect(masked).toBe(`CERT=${"*".repeat(11)}\n${"*".repeat(10)}\n${"*".repeat(9)}\nNEXT=*\n`);
    expect(masked).not.toContain("secret");
  });

  test("every kind of private key the static redaction knows is masked, armour kept, length kept", () => {
    for (const key of [
      pkcs1().privateKey,
      pkcs8(),
      encryptedPkcs8(),
      armoured("OPENSSH PRIVATE KEY"),
      putty(),
    ]) {
      const text = `before\n${key}after\n`;
      const { text: masked, count } = maskPrivateKeys(text);
      expect(count).toBe(redactPrivateKeys(text).count);
      expect(count).toBe(1);
      expect(masked).toHaveLength(text.length);
      expect(masked).toStartWith("before\n");
      expect(masked).toEndWith("after\n");
      // PuTTY's public lines stay, as in the static redaction; the private line and the MAC go.
      const secret = key.startsWith("PuTTY")
        ? key
            .split("\n")
            .filter((l, i, all) => all[i - 1]?.startsWith("Private-Lines") || l.startsWith("Private-MAC"))
        : bodyLines(key);
      expect(secret.length).toBeGreaterThan(0);
      for (const line of secret) expect(masked).not.toContain(line.replace("Private-MAC: ", ""));
    }
  });

  test("a key inside a JSON string keeps its escaped line ends", () => {
    const key = pkcs8().trim().replaceAll("\n", "\\n");
    const masked = maskPrivateKeys(`{"key": "${key}"}`).text;
    expect(masked).toStartWith('{"key": "-----BEGIN PRIVATE KEY-----\\n***');
    expect(masked).toEndWith('\\n-----END PRIVATE KEY-----"}');
  });

  test("source that only mentions the armour line is left alone, and not even decoded without a marker", () => {
    const source = 'const header = "-----BEGIN RSA PRIVATE KEY-----";\n';
    expect(maskPrivateKeys(source)).toEqual({ text: source, count: 0 });
    expect(mayHoldKey(Buffer.from(source))).toBe(true);
    expect(mayHoldKey(Buffer.from("plain text"))).toBe(false);
  });

  test("masks and the static redaction agree on what is secret", () => {
    const text = "A=1\nB='two'\n#c\n";
    expect(maskDotenv(text).count).toBe(redactDotenv(text).count);
  });
});
