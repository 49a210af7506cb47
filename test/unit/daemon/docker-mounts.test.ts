import { describe, expect, test } from "bun:test";
import { mapThroughMounts, parseMounts } from "../../../src/daemon/docker-mounts.ts";

const mounts = [
  { source: "/home/me/src", destination: "/workspace" },
  { source: "/home/me/src/app/cache-on-host", destination: "/workspace/app/cache" },
  { source: "/var/lib/docker/volumes/data/_data", destination: "/data" },
];

describe("mapThroughMounts", () => {
  test("maps through the mount with the longest destination prefix", () => {
    expect(mapThroughMounts("/workspace/app", mounts)).toBe("/home/me/src/app");
    expect(mapThroughMounts("/workspace/app/cache/x", mounts)).toBe("/home/me/src/app/cache-on-host/x");
    expect(mapThroughMounts("/workspace", mounts)).toBe("/home/me/src");
  });
  test("a path on no mount maps to nothing (never used verbatim)", () => {
    expect(mapThroughMounts("/etc", mounts)).toBeUndefined();
    expect(mapThroughMounts("/workspace-other", mounts)).toBeUndefined();
  });
  test("`..` cannot climb out of a mount", () => {
    expect(mapThroughMounts("/workspace/../etc", mounts)).toBeUndefined();
  });
});

describe("parseMounts", () => {
  test("keeps absolute source/destination pairs from docker inspect", () => {
    const json = JSON.stringify([
      { Type: "bind", Source: "/h", Destination: "/c" },
      { Type: "volume", Source: "", Destination: "/v" },
      { Type: "tmpfs", Destination: "/t" },
    ]);
    expect(parseMounts(json)).toEqual([{ source: "/h", destination: "/c" }]);
  });
  test("refuses output that is not JSON", () => {
    expect(() => parseMounts("Error: no such container")).toThrow("not JSON");
  });
});
