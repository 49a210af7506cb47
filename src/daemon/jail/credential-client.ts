// git's credential helper inside a jail (`credential.helper = /run/airlock/airlock __git-credential`):
// passes git's request to the daemon's broker and its answer back. Holds nothing itself.
import { JAIL_CREDENTIAL_SOCKET } from "../../policy/jail.ts";

export async function runCredentialClient(operation: string): Promise<number> {
  const input = await Bun.stdin.text();
  const request = `${operation}\n${input.replace(/\n+$/, "")}\n\n`;
  let reply = "";
  const decoder = new TextDecoder();
  await new Promise<void>((resolve) => {
    Bun.connect({
      unix: JAIL_CREDENTIAL_SOCKET,
      socket: {
        open: (socket) => {
          socket.write(request);
        },
        data: (_socket, chunk) => {
          reply += decoder.decode(chunk, { stream: true });
        },
        close: () => resolve(),
        error: () => resolve(),
        connectError: () => resolve(),
      },
    }).catch(() => resolve());
  });
  // No answer is an answer git understands: it tries the next helper, or gives up.
  process.stdout.write(reply);
  return 0;
}
