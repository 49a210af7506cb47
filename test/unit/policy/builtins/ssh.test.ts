// Attack corpus for the built-in ssh module: every row is a command line an agent may send, the decision
// airlock must make, and the attack (or the everyday use) it stands for. builtins/ssh/SECURITY.md cites
// these test names; keep them stable.
import { allow, deny, describeCorpus, type Row, stripEnv } from "../../../helpers/corpus.ts";

const COMMAND = "ssh";

const flag = (name: string) => `deny.args: '${name}'`;

const legacySpellings: Row[] = [
  deny(["ssh", "-A", "host"], flag("-A"), "-A, which forwards the host's ssh agent to the target"),
  deny(["ssh", "-tA", "host"], flag("-A"), "-A at the end of a cluster"),
  deny(["ssh", "-At", "host"], flag("-A"), "-A at the start of a cluster"),
  deny(["ssh", "host", "-A"], flag("-A"), "-A after the destination (ssh reads options there too)"),
  deny(["ssh", "-L", "8080:localhost:80", "host"], flag("-L"), "-L, a local port forward"),
  deny(["ssh", "-L8080:localhost:80", "host"], flag("-L"), "-L glued to its value"),
  deny(["ssh", "-NL", "8080:localhost:80", "host"], flag("-L"), "-L inside a cluster"),
  deny(["ssh", "host", "-L", "8080:localhost:80"], flag("-L"), "-L after the destination"),
  deny(
    ["ssh", "-R", "9000:localhost:22", "host"],
    flag("-R"),
    "-R, a remote port forward into the host's network",
  ),
  deny(["ssh", "-D", "1080", "host"], flag("-D"), "-D, a SOCKS proxy"),
  deny(["ssh", "-D1080", "host"], flag("-D"), "-D glued to its port"),
  deny(["ssh", "-oProxyCommand=sh -c 'touch /tmp/p'", "host"], flag("-o"), "-oProxyCommand, a local command"),
  deny(["ssh", "-o", "ProxyCommand=touch /tmp/p", "host"], flag("-o"), "-o ProxyCommand=… as two arguments"),
  deny(
    ["ssh", "-o", "proxycommand touch /tmp/p", "host"],
    flag("-o"),
    "-o with the key in lower case and a space instead of =",
  ),
  deny(["ssh", "-4oProxyCommand=x", "host"], flag("-o"), "-o glued inside a cluster"),
  deny(
    ["ssh", "-vvo", "ProxyCommand=x", "host"],
    flag("-o"),
    "-o at the end of a cluster, value in the next argument",
  ),
  deny(["ssh", "-lroot", "-oProxyCommand=x", "host"], flag("-o"), "-o after a glued -lUSER"),
  deny(["ssh", "host", "-oProxyCommand=x"], flag("-o"), "-o after the destination"),
  deny(
    ["ssh", "host", "-p", "22", "-o", "LocalCommand=x"],
    flag("-o"),
    "-o after the destination and another option",
  ),
  deny(["ssh", "-oPermitLocalCommand=yes", "host"], flag("-o"), "-o PermitLocalCommand"),
  deny(["ssh", "-F", "./ssh_config", "host"], flag("-F"), "-F, a config file the agent wrote"),
  deny(["ssh", "-F./ssh_config", "host"], flag("-F"), "-F glued to its path"),
  deny(["ssh", "-J", "jump.internal", "host"], flag("-J"), "-J, a jump host"),
  deny(["ssh", "-W", "db.internal:5432", "host"], flag("-W"), "-W, stdio forwarding"),
  deny(["ssh", "-X", "host"], flag("-X"), "-X, X11 forwarding"),
  deny(["ssh", "-Y", "host"], flag("-Y"), "-Y, trusted X11 forwarding"),
  deny(["ssh", "-E", "/home/u/.bashrc", "host"], flag("-E"), "-E, a log file written anywhere on the host"),
  deny(["ssh", "-w", "0:0", "host"], flag("-w"), "-w, a tun device"),
  deny(["ssh", "-O", "exit", "host"], flag("-O"), "-O, a control command to a master connection"),
];

const beyond04: Row[] = [
  deny(["ssh", "-S", "/tmp/ctl", "host"], flag("-S"), "-S, a control socket the agent chose"),
  deny(["ssh", "-I", "/tmp/evil.so", "host"], flag("-I"), "-I, which loads a PKCS#11 library into ssh"),
  deny(["ssh", "-M", "host"], flag("-M"), "-M, master mode for connection sharing"),
  deny(["ssh", "-G", "host"], flag("-G"), "-G, which prints the host's ssh configuration"),
  deny(
    ["ssh", "-K", "host"],
    flag("-K"),
    "-K, which delegates the host's Kerberos credentials to the target",
  ),
  deny(["ssh", "-tK", "host"], flag("-K"), "-K inside a cluster"),
  deny(["ssh", "host", "-K"], flag("-K"), "-K after the destination"),
  deny(
    ["ssh", "-i", "--", "-oProxyCommand=touch /tmp/p", "host"],
    flag("-o"),
    "-o after -i whose value is a literal -- (getopt takes -- as the value)",
  ),
  deny(["ssh", "-b", "--", "-A", "host"], flag("-A"), "-A after -b whose value is a literal --"),
  deny(
    ["ssh", "-B", "--", "-L", "8080:localhost:80", "host"],
    flag("-L"),
    "-L after -B whose value is a literal --",
  ),
];

const remoteCommands: Row[] = [
  allow(["ssh", "host", "tar", "-C", "/var", "-czf", "-", "logs"], "a remote command with its own options"),
  allow(
    ["ssh", "host", "docker", "run", "-v", "/:/h", "alpine"],
    "a remote docker command (it runs on the target)",
  ),
  allow(["ssh", "host", "sudo", "systemctl", "restart", "nginx"], "a remote sudo"),
  allow(["ssh", "-t", "host", "sudo", "-i"], "an interactive remote sudo"),
  allow(["ssh", "-l", "admin", "host", "df", "-h"], "-l USER with a remote command"),
  allow(["ssh", "host", "ps", "aux"], "remote ps aux"),
  allow(["ssh", "-q", "host", "--", "ls", "-la"], "a remote command after --"),
  allow(["ssh", "host", "ps", "-o", "pid"], "a remote ps -o (not ssh's -o)"),
  allow(["ssh", "host", "ls", "-la", "-R"], "a remote ls -R (not ssh's -R)"),
  allow(["ssh", "host", "tail", "-F", "log"], "a remote tail -F (not ssh's -F)"),
  allow(["ssh", "host", "grep", "-R", "x", "/etc"], "a remote grep -R"),
  allow(["ssh", "host", "git", "log", "-S", "x"], "a remote git log -S (not ssh's -S)"),
  allow(["ssh", "-p", "2222", "host", "klist", "-A"], "a remote klist -A after -p PORT"),
];

const everyday: Row[] = [
  allow(["ssh", "host", "uptime"], "ssh host uptime"),
  allow(["ssh", "deploy@host", "uptime"], "user@host"),
  allow(["ssh", "-p", "2222", "host", "uptime"], "-p PORT"),
  allow(["ssh", "-p2222", "host", "uptime"], "-pPORT glued"),
  allow(["ssh", "-lroot", "host", "uptime"], "-lUSER glued"),
  allow(
    ["ssh", "-i", "~/.ssh/id_ed25519", "host", "uptime"],
    "-i with a key of the host (allowed by design)",
  ),
  allow(["ssh", "-t", "host", "htop"], "-t for an interactive program"),
  allow(["ssh", "-v", "host"], "-v"),
  allow(["ssh", "-4", "-C", "host", "uptime"], "-4 -C"),
  allow(["ssh", "-T", "git@github.com"], "-T git@github.com (an auth check)"),
  allow(["ssh", "-n", "host", "uptime"], "-n"),
  allow(["ssh", "-V"], "-V"),
];

const envRows = [stripEnv("SSH_AUTH_SOCK", "the host's ssh agent, which would sign for any key it holds")];

describeCorpus(COMMAND, {
  sections: {
    "ssh built-in: 0.4's rules in every spelling ssh accepts (clusters, glued values, after the host)":
      legacySpellings,
    "ssh built-in: options 0.4 did not deny": beyond04,
    "ssh built-in: the remote command is not ssh's": remoteCommands,
    "ssh built-in: everyday commands": everyday,
  },
  envRows,
});
