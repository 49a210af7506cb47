import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { REDACTED, redactDotenv, redactPrivateKeys } from "../../../src/sandbox/redact.ts";
import { armoured, bodyLines, encryptedPkcs8, pkcs1, pkcs8, putty } from "./keys.ts";

describe("dotenv redaction", () => {
  test("keeps every key and replaces every value", () => {
    const text = "API_KEY=sk-live-123\nexport DB_URL=postgres://u:p@h/db\nPORT = 8080\n";
    expect(redactDotenv(text)).toEqual({
      text: `API_KEY=${REDACTED}\nexport DB_URL=${REDACTED}\nPORT = ${REDACTED}\n`,
      count: 3,
    });
  });

  test("drops every line of a quoted value that spans lines", () => {
    const text = 'CERT="-----BEGIN X\nline two\nline three"\nNEXT=1\n';
    expect(redactDotenv(text).text).toBe(`CERT=${REDACTED}\nNEXT=${REDACTED}\n`);
  });

  test("an escaped quote does not end a double-quoted value", () => {
    const text = 'A="one \\" still\nsecret two"\nB=2';
    expect(redactDotenv(text).text).toBe(`A=${REDACTED}\nB=${REDACTED}`);
  });

  test("empties comments (old keys live there) and keeps blank lines and CRLF", () => {
    expect(redactDotenv("# old: sk-123\r\n\r\nA=b\r\n").text).toBe(`#\r\n\r\nA=${REDACTED}\r\n`);
  });

  test("leaves empty values as they are: nothing to hide, and the program sees the key is unset", () => {
    expect(redactDotenv('A=\nB=""\n').text).toBe('A=\nB=""\n');
  });

  test("hides a line it cannot read as KEY=value whole", () => {
    expect(redactDotenv("sk-live-abcdef\n").text).toBe("# (line hidden by airlock)\n");
  });

  test("never lets a value through, however it is quoted or spread over lines", () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9+/]{6,20}$/).map((s) => `S3CR3T${s}`);
    const line = fc.tuple(
      fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/),
      secret,
      fc.constantFrom("", '"', "'", "`"),
      fc.boolean(),
    );
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.boolean(), (lines, crlf) => {
        const nl = crlf ? "\r\n" : "\n";
        const text = lines
          .map(([key, value, quote, multiline]) =>
            quote === ""
              ? `${key}=${value}`
              : `${key}=${quote}${value}${multiline ? `${nl}${value}` : ""}${quote}`,
          )
          .join(nl);
        expect(redactDotenv(text).text).not.toContain("S3CR3T");
      }),
      { numRuns: 300 },
    );
  });
});

describe("private key redaction", () => {
  const cases: [string, () => string][] = [
    ["PKCS#1 RSA", () => pkcs1().privateKey],
    ["PKCS#8", pkcs8],
    ["encrypted PKCS#8", encryptedPkcs8],
    ["OpenSSH", () => armoured("OPENSSH PRIVATE KEY")],
    ["EC", () => armoured("EC PRIVATE KEY")],
    [
      "legacy encrypted PEM",
      () =>
        armoured("RSA PRIVATE KEY").replace(
          "KEY-----\n",
          "KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n",
        ),
    ],
    ["PGP", () => armoured("PGP PRIVATE KEY BLOCK")],
  ];

  test.each(cases)("replaces the body of a %s key and keeps its armour", (_name, make) => {
    const key = make();
    const result = redactPrivateKeys(key);
    expect(result.count).toBe(1);
    for (const line of bodyLines(key)) expect(result.text).not.toContain(line);
    expect(result.text).toContain(REDACTED);
    expect(result.text.split("\n")[0]).toBe(key.split("\n")[0]);
  });

  test("redacts a key inside a JSON string (service account files) without breaking the JSON", () => {
    const key = pkcs8();
    const json = JSON.stringify({ type: "service_account", private_key: key, client_email: "x@y" });
    const result = redactPrivateKeys(json);
    expect(result.count).toBe(1);
    const parsed = JSON.parse(result.text) as { private_key: string; client_email: string };
    expect(parsed.private_key).toContain(REDACTED);
    expect(parsed.client_email).toBe("x@y");
    for (const line of bodyLines(key)) expect(result.text).not.toContain(line);
  });

  test("redacts every key in a bundle and keeps the certificate and public key beside them", () => {
    const { privateKey, publicKey } = pkcs1();
    const cert = armoured("CERTIFICATE");
    const result = redactPrivateKeys(`${cert}${privateKey}${publicKey}${pkcs8()}`);
    expect(result.count).toBe(2);
    expect(result.text).toContain(cert);
    expect(result.text).toContain(publicKey);
  });

  test("redacts a PuTTY key's private lines and MAC, keeps its public half", () => {
    const ppk = putty();
    const privateLine = ppk.split("\n")[7] ?? "";
    const publicLine = ppk.split("\n")[4] ?? "";
    const result = redactPrivateKeys(ppk);
    expect(result.count).toBe(1);
    expect(result.text).not.toContain(privateLine);
    expect(result.text).toContain(publicLine);
    expect(result.text).toContain(`Private-MAC: ${REDACTED}`);
  });

  test("leaves alone source code that merely mentions the armour lines", () => {
    const source = [
      'const BEGIN = "-----BEGIN RSA PRIVATE KEY-----";',
      "if (text.startsWith(BEGIN)) return parse(text);",
      'const END = "-----END RSA PRIVATE KEY-----";',
    ].join("\n");
    expect(redactPrivateKeys(source)).toEqual({ text: source, count: 0 });
  });

  test("leaves alone public keys and certificates", () => {
    const text = `${pkcs1().publicKey}${armoured("CERTIFICATE")}ssh-ed25519 AAAAC3Nza me@host\n`;
    expect(redactPrivateKeys(text).count).toBe(0);
  });
});
