/**
 * Which container a process runs in, read from its /proc/<pid>/cgroup lines (cgroup v1 and v2).
 * Pure: the caller reads the file. The id comes from the kernel's view of the peer, never from the client.
 */
export interface ContainerIdentity {
  readonly runtime: "docker" | "containerd" | "cri-o" | "podman" | "systemd-nspawn";
  /** 64-hex container id, or the machine name for systemd-nspawn. */
  readonly id: string;
}

const HEX64 = "([0-9a-f]{64})";
// Most specific first: a kubepods path may also contain "docker-" on dockershim nodes.
const PATTERNS: readonly [ContainerIdentity["runtime"], RegExp][] = [
  ["containerd", new RegExp(`cri-containerd-${HEX64}\\.scope`)],
  ["cri-o", new RegExp(`crio-(?:conmon-)?${HEX64}\\.scope`)],
  ["containerd", new RegExp(`/kubepods[^\\s]*/pod[0-9a-f_-]+/${HEX64}(?:/|$)`)],
  ["podman", new RegExp(`libpod-(?:conmon-)?${HEX64}(?:\\.scope)?`)],
  ["docker", new RegExp(`docker-${HEX64}\\.scope`)],
  ["docker", new RegExp(`/docker/${HEX64}(?:/|$)`)],
  ["containerd", new RegExp(`/(?:default|k8s\\.io|moby)/${HEX64}(?:/|$)`)],
];

const NSPAWN = /\/machine\.slice\/(?:systemd-nspawn@([^/]+)\.service|machine-([^/]+)\.scope)(?:\/|$)/;

export function containerFromCgroup(text: string): ContainerIdentity | undefined {
  for (const line of text.split("\n")) {
    // hierarchy-id:controllers:path — the path may itself contain ':'.
    const path = line.split(":").slice(2).join(":");
    if (path === "") continue;
    for (const [runtime, pattern] of PATTERNS) {
      const match = pattern.exec(path);
      if (match?.[1]) return { runtime, id: match[1] };
    }
    const nspawn = NSPAWN.exec(path);
    const name = nspawn?.[1] ?? nspawn?.[2];
    if (name) return { runtime: "systemd-nspawn", id: unescapeSystemd(name) };
  }
  return undefined;
}

/** systemd escapes '-' in unit names as \x2d. */
function unescapeSystemd(name: string): string {
  return name.replace(/\\x([0-9a-f]{2})/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
