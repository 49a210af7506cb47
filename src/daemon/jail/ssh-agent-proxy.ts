// What a jail gets instead of the ssh-agent socket itself: a proxy that passes only the requests an ssh
// client makes to use a key (list the keys, sign, bind a session), and answers every other request
// (add or remove keys, lock, load a PKCS#11 provider into the host's agent) with a failure. Code in a jail
// can then sign with the host's keys, never change them or make the agent load a library.
import type { Socket } from "bun";

const SSH_AGENT_FAILURE = 5;
const SSH_AGENTC_REQUEST_IDENTITIES = 11;
const SSH_AGENTC_SIGN_REQUEST = 13;
const SSH_AGENTC_EXTENSION = 27;
/** The one extension an ssh client sends on its own (OpenSSH 8.9+). */
const SESSION_BIND = "session-bind@openssh.com";
const MAX_MESSAGE_BYTES = 256 * 1024;
const FAILURE = new Uint8Array([0, 0, 0, 1, SSH_AGENT_FAILURE]);

interface Client {
  pending: Uint8Array;
  upstream: Socket<undefined> | undefined;
  queued: Uint8Array[];
}

/** Whether a client's request may reach the real agent. */
export function allowedRequest(message: Uint8Array): boolean {
  const type = message[4];
  if (type === SSH_AGENTC_REQUEST_IDENTITIES || type === SSH_AGENTC_SIGN_REQUEST) return true;
  if (type !== SSH_AGENTC_EXTENSION || message.byteLength < 9) return false;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const length = view.getUint32(5);
  if (9 + length > message.byteLength) return false;
  return new TextDecoder().decode(message.subarray(9, 9 + length)) === SESSION_BIND;
}

/** Listens on `path` (in the holder's private directory) and relays allowed requests to `upstream`. */
export function listenAgentProxy(path: string, upstream: string): { stop(): void } {
  const previous = process.umask(0o177);
  try {
    const server = Bun.listen<Client>({
      unix: path,
      data: { pending: new Uint8Array(), upstream: undefined, queued: [] },
      socket: {
        open(client) {
          client.data = { pending: new Uint8Array(), upstream: undefined, queued: [] };
          Bun.connect({
            unix: upstream,
            socket: {
              data: (_agent, reply) => {
                client.write(reply);
              },
              close: () => {
                client.end();
              },
              error: () => {
                client.end();
              },
              connectError: () => {
                client.end();
              },
            },
          })
            .then((agent) => {
              client.data.upstream = agent;
              for (const message of client.data.queued.splice(0)) agent.write(message);
            })
            .catch(() => {
              client.end();
            });
        },
        data(client, chunk) {
          let buffer = concat(client.data.pending, chunk);
          for (;;) {
            if (buffer.byteLength < 4) break;
            const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(0);
            if (length === 0 || length > MAX_MESSAGE_BYTES) {
              client.end();
              return;
            }
            if (buffer.byteLength < 4 + length) break;
            const message = buffer.slice(0, 4 + length);
            buffer = buffer.slice(4 + length);
            if (!allowedRequest(message)) client.write(FAILURE);
            else if (client.data.upstream) client.data.upstream.write(message);
            else client.data.queued.push(message);
          }
          client.data.pending = buffer;
        },
        close(client) {
          client.data.upstream?.end();
        },
      },
    });
    return { stop: () => server.stop(true) };
  } finally {
    process.umask(previous);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return new Uint8Array(b);
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
