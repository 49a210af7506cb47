import { describe, expect, test } from "bun:test";
import { parseAttributes } from "../../../src/daemon/jail/credential-broker.ts";

describe("the credential broker reads exactly one request", () => {
  test("protocol, host, path and username pass, once each; what newer git adds is ignored", () => {
    const fields = parseAttributes([
      "protocol=https",
      "host=github.com",
      "path=o/r.git",
      "capability[]=authtype",
    ]);
    expect(fields && Object.fromEntries(fields)).toEqual({
      protocol: "https",
      host: "github.com",
      path: "o/r.git",
    });
  });

  test("url=, a repeated key, an unknown key, CR or NUL, or no host make it refused", () => {
    for (const lines of [
      ["protocol=https", "host=127.0.0.1", "url=https://github.com"],
      ["protocol=https", "host=127.0.0.1", "host=github.com"],
      ["protocol=https", "host=github.com", "password=x"],
      ["protocol=https", "host=github.com\r"],
      ["protocol=https", "host=git\u0000hub.com"],
      ["protocol=https"],
      ["url=https://github.com/x"],
    ])
      expect(parseAttributes(lines)).toBeUndefined();
  });
});
