import { isAbsolute, join, relative } from "node:path";

export interface Mount {
  readonly source: string;
  readonly destination: string;
}

const INSPECT_TIMEOUT_MS = 5000;
/** A container restarted with other mounts is seen again after this long. */
const CACHE_MS = 10_000;
const CONTAINER_REF = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

class DockerError extends Error {
  override readonly name = "DockerError";
}

/**
 * The fallback when the daemon cannot see the client process (another pid namespace): map the claimed cwd
 * through the container's bind mounts (what 0.4 clients rely on), with docker called by argv and a timeout.
 */
export class DockerMounts {
  private readonly cache = new Map<string, { at: number; mounts: Mount[] }>();

  constructor(private readonly docker = "docker") {}

  async mountsOf(container: string): Promise<Mount[]> {
    if (!CONTAINER_REF.test(container)) throw new DockerError(`'${container}' is not a container id or name`);
    const cached = this.cache.get(container);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.mounts;
    let proc: ReturnType<typeof Bun.spawn>;
    try {
      proc = Bun.spawn([this.docker, "inspect", "--format", "{{json .Mounts}}", "--", container], {
        stdout: "pipe",
        stderr: "pipe",
        stdin: "ignore",
        timeout: INSPECT_TIMEOUT_MS,
      });
    } catch {
      throw new DockerError(
        "docker is not installed on the daemon's host, so a container path cannot be mapped",
      );
    }
    const [out, err, code] = await Promise.all([
      new Response(proc.stdout as ReadableStream).text(),
      new Response(proc.stderr as ReadableStream).text(),
      proc.exited,
    ]);
    if (code !== 0)
      throw new DockerError(`docker inspect ${container} failed: ${err.trim().split("\n")[0] ?? code}`);
    const mounts = parseMounts(out);
    this.cache.set(container, { at: Date.now(), mounts });
    return mounts;
  }
}

export function parseMounts(json: string): Mount[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new DockerError("docker inspect printed something that is not JSON");
  }
  if (!Array.isArray(raw)) return [];
  const mounts: Mount[] = [];
  for (const entry of raw) {
    const { Source, Destination } = (entry ?? {}) as { Source?: unknown; Destination?: unknown };
    if (
      typeof Source === "string" &&
      typeof Destination === "string" &&
      isAbsolute(Source) &&
      isAbsolute(Destination)
    ) {
      mounts.push({ source: Source, destination: Destination });
    }
  }
  return mounts;
}

/** The host path of a container path: the mount with the longest destination prefix wins. */
export function mapThroughMounts(containerPath: string, mounts: readonly Mount[]): string | undefined {
  let best: { mount: Mount; rest: string } | undefined;
  for (const mount of mounts) {
    const rest = relative(mount.destination, containerPath);
    if (rest.startsWith("..") || isAbsolute(rest)) continue;
    if (!best || mount.destination.length > best.mount.destination.length) best = { mount, rest };
  }
  return best ? join(best.mount.source, best.rest) : undefined;
}
