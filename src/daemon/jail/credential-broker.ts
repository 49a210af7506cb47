// The daemon's answer to git's credential requests from inside a jail. With `[jail] git_credentials =
// "broker"`, no token file enters the jail: git's credential helper there is airlock itself, which asks
// this socket, and the daemon runs the host's `git credential fill` outside the jail (with the host's own
// helpers and stores). Only `get` is served: a jailed git cannot store or erase the host's credentials.
import type { Socket } from "bun";
import { bunSocketFd } from "../../platform/fd-passing.ts";
import { peerCredentials } from "../../platform/peer-credentials.ts";

const MAX_REQUEST_BYTES = 64 * 1024;
const FILL_TIMEOUT_MS = 10_000;
/** The attributes passed on to the host's git, each at most once; `url=` (which git would expand into
 * others) and everything else make the request refused. */
const ATTRIBUTES = new Set(["protocol", "host", "path", "username"]);
/** Sent by newer git and harmless to ignore. */
const IGNORED = /^(wwwauth\[\]|capability\[\]|state\[\])=/;

interface CredentialQuery {
  readonly operation: string;
  readonly protocol: string | undefined;
  readonly host: string | undefined;
}

export interface BrokerOptions {
  /** The git on the daemon's PATH, which runs on the host. */
  readonly git: string;
  /** The daemon's own environment: HOME and PATH find the host's helpers and stores. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Whether the asking process (by pid, as the daemon sees it) belongs to a run of this jail that talks
   * to a remote and is in flight: a process of another run, or one that outlived its run, gets nothing.
   */
  readonly live: (pid: number) => boolean;
  /** Told of every request (never of a secret). */
  readonly record: (query: CredentialQuery, answered: boolean) => void;
}

/** Listens on `path` (a 0600 socket in the holder's private directory) until stopped. */
export function listenBroker(path: string, options: BrokerOptions): { stop(): void } {
  const previous = process.umask(0o177);
  try {
    const server = Bun.listen<{ chunks: Uint8Array[]; size: number }>({
      unix: path,
      data: { chunks: [], size: 0 },
      socket: {
        open(socket) {
          socket.data = { chunks: [], size: 0 };
        },
        data(socket, chunk) {
          socket.data.size += chunk.byteLength;
          if (socket.data.size > MAX_REQUEST_BYTES) {
            socket.end();
            return;
          }
          socket.data.chunks.push(new Uint8Array(chunk));
          const text = new TextDecoder().decode(Buffer.concat(socket.data.chunks));
          // The request is complete at the blank line that ends git's attributes.
          if (text.includes("\n\n")) void answer(socket, text, options);
        },
      },
    });
    return { stop: () => server.stop(true) };
  } finally {
    process.umask(previous);
  }
}

async function answer(
  socket: Socket<{ chunks: Uint8Array[]; size: number }>,
  text: string,
  options: BrokerOptions,
) {
  socket.data.chunks = [];
  const [operation = "", ...lines] = text.slice(0, text.indexOf("\n\n")).split("\n");
  const fields = parseAttributes(lines);
  const query = {
    operation,
    protocol: fields?.get("protocol"),
    host: fields?.get("host"),
  };
  if (operation !== "get" || fields === undefined || !options.live(callerPid(socket))) {
    options.record(query, false);
    socket.end();
    return;
  }
  // Rebuilt from the parsed fields: what is logged is exactly what the host's git is asked.
  const reply = await fill(
    [...fields].map(([key, value]) => `${key}=${value}`),
    options,
  );
  options.record(query, reply !== "");
  socket.write(reply);
  socket.end();
}

/** The asking process as the kernel reports it; 0 (no process of any run) when it cannot say. */
function callerPid(socket: Socket<{ chunks: Uint8Array[]; size: number }>): number {
  try {
    return peerCredentials(bunSocketFd(socket)).pid;
  } catch {
    return 0;
  }
}

/** The request's attributes, or undefined when one is unknown, repeated, or carries a CR or NUL. */
export function parseAttributes(lines: readonly string[]): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  for (const line of lines) {
    if (line === "" || IGNORED.test(line)) continue;
    const equals = line.indexOf("=");
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1);
    if (equals <= 0 || !ATTRIBUTES.has(key) || fields.has(key) || /[\r\0]/.test(value)) return undefined;
    fields.set(key, value);
  }
  return fields.has("protocol") && fields.has("host") ? fields : undefined;
}

/** The host's `git credential fill`, run where the daemon runs: never prompts, never in a repository. */
async function fill(attributes: readonly string[], options: BrokerOptions): Promise<string> {
  const { HOME, PATH, USER, LOGNAME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS } =
    options.env;
  const env = Object.fromEntries(
    Object.entries({
      HOME,
      PATH,
      USER,
      LOGNAME,
      XDG_CONFIG_HOME,
      XDG_RUNTIME_DIR,
      DBUS_SESSION_BUS_ADDRESS,
    }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const proc = Bun.spawn([options.git, "credential", "fill"], {
    cwd: "/",
    env: { ...env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", SSH_ASKPASS: "" },
    stdin: new TextEncoder().encode(`${attributes.join("\n")}\n\n`),
    stdout: "pipe",
    stderr: "ignore",
    timeout: FILL_TIMEOUT_MS,
  });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return code === 0 ? out : "";
}
