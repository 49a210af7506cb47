// Attack corpus for the built-in docker module: every row is a command line an agent may send, the decision
// airlock must make, and the attack (or the everyday use) it stands for. builtins/docker/SECURITY.md cites
// these test names; keep them stable.
import { allow, deny, describeCorpus, type Row, stripEnv } from "../../../helpers/corpus.ts";

const COMMAND = "docker";

const arg = (entry: string) => `deny.args: '${entry}'`;
const flag = (name: string) => `deny.flags: '${name}'`;
const sub = (name: string) => `deny.subcommands: '${name}'`;
const otherEngine = "deny.patterns.other-engine";
const hostPathVolume = "deny.patterns.host-path-volume";
const socketMount = "deny.patterns.docker-socket";
const bindMount = "deny.patterns.bind-mount";
const volumeOpt = "deny.patterns.mount-volume-opt";
const hostNamespace = "deny.patterns.host-namespace";
const volumeDriver = "deny.patterns.volume-create-opts";
const cpOutside = "deny.patterns.cp-host-path";
const contextOutside = "deny.patterns.build-context-outside";
const buildOutput = "deny.patterns.build-output";
const buildContext = "deny.patterns.extra-build-context";
const dockerfileAbsolute = "deny.patterns.dockerfile-absolute";
const dockerfileDotDot = "deny.patterns.dockerfile-dotdot";
const fileOptionAbsolute = "deny.patterns.file-option-absolute";
const fileOptionDotDot = "deny.patterns.file-option-dotdot";
const volumesFrom = "deny.patterns.volumes-from";
const saveAbsolute = "deny.patterns.save-output-absolute";
const saveDotDot = "deny.patterns.save-output-dotdot";
const containerNamespace = "deny.patterns.container-namespace";
const networkLongSyntax = "deny.patterns.network-long-syntax";
const execInto = "deny.patterns.exec-attach";
const containerFiles = "deny.patterns.container-files";
const startAttached = "deny.patterns.start-attach";

const legacySpellings: Row[] = [
  deny(
    ["docker", "run", "--privileged", "ubuntu"],
    arg("--privileged"),
    "run --privileged, root on the host",
  ),
  deny(["docker", "run", "--privileged=true", "ubuntu"], arg("--privileged"), "--privileged=true"),
  deny(["docker", "create", "--privileged", "ubuntu"], arg("--privileged"), "create --privileged"),
  deny(
    ["docker", "container", "run", "--privileged", "ubuntu"],
    arg("--privileged"),
    "container run --privileged",
  ),
  deny(["docker", "exec", "--privileged", "web", "sh"], arg("--privileged"), "exec --privileged"),
  deny(
    ["docker", "--log-level", "debug", "run", "--privileged", "ubuntu"],
    arg("--privileged"),
    "--privileged after a global option",
  ),
  deny(
    ["docker", "run", "-e", "--", "--privileged", "ubuntu"],
    arg("--privileged"),
    "--privileged after an option whose value is a literal --",
  ),
  deny(
    ["docker", "run", "-v", "/:/host", "ubuntu"],
    arg("-v=/*:*"),
    "-v /:/host, the host's root file system",
  ),
  deny(["docker", "run", "-v/:/host", "ubuntu"], arg("-v=/*:*"), "-v glued to its value"),
  deny(["docker", "run", "-itv", "/:/host", "ubuntu"], arg("-v=/*:*"), "-v at the end of a cluster"),
  deny(
    ["docker", "run", "-v", "/etc:/etc:ro", "ubuntu"],
    arg("-v=/*:*"),
    "a read-only bind of a host directory",
  ),
  deny(
    ["docker", "run", "-p", "80:80", "-v", "/:/h", "ubuntu"],
    arg("-v=/*:*"),
    "-v after another option with a value",
  ),
  deny(["docker", "container", "create", "-v", "/:/h", "ubuntu"], arg("-v=/*:*"), "container create -v"),
  deny(["docker", "run", "--volume=/:/host", "ubuntu"], arg("--volume=/*:*"), "--volume=/:/host"),
  deny(
    ["docker", "run", "--volume", "/home/u/.ssh:/keys", "ubuntu"],
    arg("--volume=/*:*"),
    "--volume PATH as two arguments",
  ),
  deny(
    ["docker", "run", "-v", "./docker.sock:/var/run/docker.sock", "ubuntu"],
    arg("-v=*docker.sock*"),
    "the docker socket through a relative path",
  ),
  deny(
    ["docker", "run", "--volume", "./docker.sock:/var/run/docker.sock", "ubuntu"],
    arg("--volume=*docker.sock*"),
    "the docker socket through --volume and a relative path",
  ),
  deny(["docker", "run", "--pid=host", "ubuntu"], arg("--pid=host"), "--pid=host"),
  deny(["docker", "run", "--pid", "host", "ubuntu"], arg("--pid=host"), "--pid host as two arguments"),
  deny(["docker", "run", "--net=host", "ubuntu"], arg("--net=host"), "--net=host"),
  deny(["docker", "run", "--network=host", "ubuntu"], arg("--network=host"), "--network=host"),
  deny(
    ["docker", "run", "--network", "host", "ubuntu"],
    arg("--network=host"),
    "--network host as two arguments",
  ),
  deny(["docker", "run", "--ipc=host", "ubuntu"], arg("--ipc=host"), "--ipc=host"),
  deny(["docker", "run", "--cap-add=ALL", "ubuntu"], arg("--cap-add=ALL"), "--cap-add=ALL"),
  deny(
    ["docker", "run", "--security-opt=apparmor:unconfined", "ubuntu"],
    arg("--security-opt=apparmor:unconfined"),
    "--security-opt=apparmor:unconfined",
  ),
];

const bypassesOf04: Row[] = [
  deny(["docker", "run", "--cap-add=all", "ubuntu"], arg("--cap-add=ALL"), "--cap-add=all in lower case"),
  deny(
    ["docker", "run", "--cap-add", "SYS_ADMIN", "ubuntu"],
    flag("--cap-add"),
    "--cap-add SYS_ADMIN, one capability is enough",
  ),
  deny(
    ["docker", "run", "--security-opt", "apparmor=unconfined", "ubuntu"],
    flag("--security-opt"),
    "--security-opt apparmor=unconfined (the = spelling)",
  ),
  deny(
    ["docker", "run", "--security-opt", "seccomp=unconfined", "ubuntu"],
    flag("--security-opt"),
    "--security-opt seccomp=unconfined",
  ),
  deny(
    ["docker", "run", "--mount", "type=bind,source=/,target=/host", "ubuntu"],
    bindMount,
    "--mount type=bind of the host's root",
  ),
  deny(["docker", "run", "--mount=type=bind,src=/,dst=/host", "ubuntu"], bindMount, "--mount=type=bind,…"),
  deny(
    ["docker", "run", "--mount", "source=/,target=/host,type=bind", "ubuntu"],
    bindMount,
    "--mount with type=bind last",
  ),
  deny(
    ["docker", "run", "--mount", "type=BIND,src=/,dst=/host", "ubuntu"],
    bindMount,
    "--mount type=BIND in upper case",
  ),
  deny(
    ["docker", "run", "--mount", "type=bind,src=/var/run/docker.sock,dst=/s", "ubuntu"],
    socketMount,
    "--mount of the docker socket",
  ),
  deny(
    [
      "docker",
      "run",
      "--mount",
      "type=volume,src=v,dst=/d,volume-opt=type=ext4,volume-opt=device=/dev/sda1",
      "ubuntu",
    ],
    volumeOpt,
    "--mount volume-opt, a host device as a volume",
  ),
  deny(["docker", "run", "--uts=host", "ubuntu"], hostNamespace, "--uts=host"),
  deny(["docker", "run", "--userns=host", "ubuntu"], hostNamespace, "--userns=host"),
  deny(["docker", "run", "--cgroupns", "host", "ubuntu"], hostNamespace, "--cgroupns host"),
  deny(
    ["docker", "run", "--device", "/dev/sda", "ubuntu"],
    flag("--device"),
    "--device, a host device in the container",
  ),
  deny(
    ["docker", "run", "--device-cgroup-rule", "a *:* rwm", "ubuntu"],
    flag("--device-cgroup-rule"),
    "--device-cgroup-rule",
  ),
  deny(
    ["docker", "run", "--volume-driver", "local", "-v", "v:/d", "ubuntu"],
    flag("--volume-driver"),
    "--volume-driver",
  ),
  deny(
    ["docker", "run", "-v", "./data:/data", "ubuntu"],
    hostPathVolume,
    "a relative bind mount (a workspace symlink can point anywhere)",
  ),
  deny(
    ["docker", "run", "-v", "../../:/h", "ubuntu"],
    hostPathVolume,
    "a bind mount that climbs out with ..",
  ),
  deny(
    ["docker", "run", "-v", "~/.aws:/aws", "ubuntu"],
    hostPathVolume,
    "a bind mount of the home directory",
  ),
  deny(["docker", "run", "--volume=.:/src", "ubuntu"], hostPathVolume, "--volume=.:/src"),
  deny(
    ["docker", "run", "-e", "--", "--cap-add", "SYS_ADMIN", "ubuntu"],
    flag("--cap-add"),
    "--cap-add after an option whose value is a literal -- (pflag takes -- as the value)",
  ),
  deny(
    ["docker", "run", "--label", "--", "-v", "/:/host", "ubuntu"],
    arg("-v=/*:*"),
    "-v after --label whose value is a literal --",
  ),
  deny(
    ["docker", "run", "-e", "--", "--mount", "type=bind,src=/,dst=/h", "ubuntu"],
    bindMount,
    "--mount type=bind after an option whose value is a literal --",
  ),
  deny(
    ["docker", "run", "-e", "--", "--device", "/dev/sda", "ubuntu"],
    flag("--device"),
    "--device after an option whose value is a literal --",
  ),
  deny(
    ["docker", "run", "-e", "--", "--security-opt", "seccomp=unconfined", "ubuntu"],
    flag("--security-opt"),
    "--security-opt after an option whose value is a literal --",
  ),
  deny(
    ["docker", "run", "--rm", "-v", "./data:/data", "alpine"],
    hostPathVolume,
    "a relative bind mount after --rm",
  ),
];

const otherEngines: Row[] = [
  deny(["docker", "-H", "tcp://attacker.example:2375", "ps"], otherEngine, "-H, another engine"),
  deny(["docker", "--host=unix:///tmp/x.sock", "ps"], otherEngine, "--host=…"),
  deny(["docker", "--context", "prod", "ps"], otherEngine, "--context, another configured engine"),
  deny(["docker", "-c", "prod", "ps"], otherEngine, "-c, the short --context"),
  deny(
    ["docker", "--config", "/tmp/cfg", "ps"],
    otherEngine,
    "--config, a client config dir with credentials and plugins",
  ),
  deny(["docker", "--tlscacert", "/tmp/ca.pem", "ps"], otherEngine, "--tlscacert"),
  deny(["docker", "--tlscert=/tmp/c.pem", "ps"], otherEngine, "--tlscert"),
  deny(["docker", "--tlskey", "/tmp/k.pem", "ps"], otherEngine, "--tlskey"),
  deny(
    ["docker", "context", "export", "prod"],
    sub("context export"),
    "context export, which prints the context's TLS keys",
  ),
  deny(["docker", "context", "import", "x", "x.tar"], sub("context import"), "context import"),
  deny(
    ["docker", "context", "create", "x", "--docker", "host=tcp://attacker.example"],
    sub("context create"),
    "context create",
  ),
  deny(
    ["docker", "context", "update", "default", "--docker", "host=tcp://x"],
    sub("context update"),
    "context update",
  ),
  deny(
    ["docker", "context", "use", "prod"],
    sub("context use"),
    "context use, which changes the host's current context",
  ),
  deny(
    ["docker", "plugin", "install", "attacker/plugin"],
    sub("plugin install"),
    "plugin install, a plugin runs as root on the host",
  ),
  deny(["docker", "plugin", "enable", "attacker/plugin"], sub("plugin enable"), "plugin enable"),
];

const hostFiles: Row[] = [
  deny(
    ["docker", "volume", "create", "-o", "type=none", "-o", "device=/", "-o", "o=bind", "v"],
    volumeDriver,
    "volume create -o, a named volume that is the host's root",
  ),
  deny(["docker", "volume", "create", "--opt", "device=/etc", "v"], volumeDriver, "volume create --opt"),
  deny(["docker", "volume", "create", "-d", "local", "v"], volumeDriver, "volume create -d"),
  deny(["docker", "volume", "create", "--driver=local", "v"], volumeDriver, "volume create --driver=…"),
  deny(["docker", "cp", "web:/etc/passwd", "/home/u/.bashrc"], cpOutside, "cp into an absolute host path"),
  deny(
    ["docker", "cp", "/home/u/.aws/credentials", "web:/tmp/c"],
    cpOutside,
    "cp of a host file into a container",
  ),
  deny(["docker", "cp", "../secrets", "web:/tmp/s"], cpOutside, "cp from outside the workspace with .."),
  deny(["docker", "cp", "web:/x", "~/x"], cpOutside, "cp into the home directory"),
  deny(["docker", "container", "cp", "/etc/shadow", "web:/x"], cpOutside, "container cp of a host file"),
  deny(["docker", "build", "/"], contextOutside, "build with / as context"),
  deny(["docker", "build", "-t", "x", "/home/u"], contextOutside, "build with the home directory as context"),
  deny(["docker", "build", "../.."], contextOutside, "build with a context above the workspace"),
  deny(["docker", "build", "~"], contextOutside, "build with ~ as context"),
  deny(["docker", "buildx", "build", "/"], contextOutside, "buildx build /"),
  deny(["docker", "image", "build", "/"], contextOutside, "image build /"),
  deny(["docker", "builder", "build", "/"], contextOutside, "builder build /"),
  deny(
    ["docker", "build", "-o", "type=local,dest=/home/u/.config/autostart", "."],
    buildOutput,
    "build -o type=local, files written to a host directory",
  ),
  deny(["docker", "build", "--output=out", "."], buildOutput, "build --output, even into the workspace"),
  deny(["docker", "buildx", "build", "-o", "type=tar,dest=/tmp/x.tar", "."], buildOutput, "buildx build -o"),
  deny(
    ["docker", "buildx", "build", "--build-context", "extra=/home/u", "."],
    buildContext,
    "--build-context, a host directory sent as a second context",
  ),
  deny(["docker", "build", "--build-context=x=../..", "."], buildContext, "--build-context=NAME=PATH"),
  deny(
    ["docker", "build", "-f", "/home/u/.aws/credentials", "."],
    dockerfileAbsolute,
    "build -f of a host file, whose lines come back in parse errors",
  ),
  deny(["docker", "build", "--file=~/Dockerfile", "."], dockerfileAbsolute, "build --file=~/…"),
  deny(["docker", "image", "build", "-f", "../Dockerfile", "."], dockerfileDotDot, "image build -f with .."),
  deny(
    ["docker", "run", "--env-file", "/home/u/.aws/env", "alpine"],
    fileOptionAbsolute,
    "run --env-file of a host file, its variables handed to the container",
  ),
  deny(["docker", "create", "--env-file=~/.env", "alpine"], fileOptionAbsolute, "create --env-file=~/…"),
  deny(["docker", "run", "--env-file", "../.env", "alpine"], fileOptionDotDot, "run --env-file with .."),
  deny(
    ["docker", "run", "--label-file", "/etc/shadow", "alpine"],
    fileOptionAbsolute,
    "run --label-file of a host file",
  ),
  deny(
    ["docker", "run", "--cidfile", "/home/u/.bashrc", "alpine"],
    fileOptionAbsolute,
    "run --cidfile, a host file written",
  ),
  deny(["docker", "build", "--iidfile=../id", "."], fileOptionDotDot, "build --iidfile=PATH with .."),
  deny(
    ["docker", "run", "--volumes-from", "web", "alpine"],
    volumesFrom,
    "--volumes-from, another container's mounts",
  ),
  deny(["docker", "create", "--volumes-from=db:ro", "alpine"], volumesFrom, "create --volumes-from=NAME:ro"),
  deny(["docker", "save", "-o", "/home/u/.bashrc", "app"], saveAbsolute, "save -o over a host file"),
  deny(["docker", "image", "save", "--output=../x.tar", "app"], saveDotDot, "image save --output with .."),
  deny(["docker", "container", "export", "-o", "~/x.tar", "web"], saveAbsolute, "container export -o ~/…"),
];

const composeFiles: Row[] = [
  deny(
    ["docker", "compose", "up", "-d"],
    sub("compose"),
    "compose, whose compose.yaml may ask for privileged: true or /:/host",
  ),
  deny(["docker", "compose", "-f", "/tmp/x.yml", "run", "app"], sub("compose"), "compose -f run"),
  deny(
    ["docker", "stack", "deploy", "-c", "stack.yml", "s"],
    sub("stack deploy"),
    "stack deploy, a compose file on a swarm",
  ),
  deny(
    ["docker", "stack", "up", "-c", "stack.yml", "s"],
    sub("stack up"),
    "stack up, the alias of stack deploy",
  ),
  deny(
    ["docker", "stack", "config", "-c", "/home/u/.aws/credentials"],
    sub("stack config"),
    "stack config, which reads and prints compose files from any path",
  ),
  deny(["docker", "buildx", "bake"], sub("buildx bake"), "buildx bake, builds described in a file"),
  deny(["docker", "bake", "-f", "bake.hcl"], sub("bake"), "bake, the short form of buildx bake"),
  deny(["docker", "builder", "bake"], sub("builder bake"), "builder bake (builder is buildx when installed)"),
];

const credentials: Row[] = [
  deny(
    ["docker", "build", "--secret", "id=aws,src=/home/u/.aws/credentials", "."],
    flag("--secret"),
    "build --secret, a host file handed to the build",
  ),
  deny(
    ["docker", "build", "--ssh", "default", "."],
    flag("--ssh"),
    "build --ssh, the host's ssh agent handed to the build",
  ),
  deny(
    ["docker", "buildx", "build", "--allow", "security.insecure", "."],
    flag("--allow"),
    "buildx --allow, privileged build steps",
  ),
];

const otherContainers: Row[] = [
  deny(
    ["docker", "run", "--pid=container:web", "alpine"],
    containerNamespace,
    "--pid=container:NAME, another container's processes",
  ),
  deny(["docker", "run", "--pid", "container:web", "alpine"], containerNamespace, "--pid container:NAME"),
  deny(
    ["docker", "run", "--network=container:web", "alpine"],
    containerNamespace,
    "--network=container:NAME, services on another container's localhost",
  ),
  deny(
    ["docker", "run", "--network", "container:web", "alpine"],
    containerNamespace,
    "--network container:NAME",
  ),
  deny(["docker", "run", "--net=container:web", "alpine"], containerNamespace, "--net=container:NAME"),
  deny(
    ["docker", "create", "--net", "container:web", "alpine"],
    containerNamespace,
    "create --net container:NAME",
  ),
  deny(
    ["docker", "run", "--network", "name=container:web", "alpine"],
    containerNamespace,
    "--network name=container:NAME (the long syntax)",
  ),
  deny(
    ["docker", "run", "--ipc=container:web", "alpine"],
    containerNamespace,
    "--ipc=container:NAME, another container's shared memory",
  ),
  deny(["docker", "run", "--uts", "container:web", "alpine"], containerNamespace, "--uts container:NAME"),
  deny(
    ["docker", "container", "run", "--pid", "Container:web", "alpine"],
    containerNamespace,
    "container run --pid Container:NAME (any case)",
  ),
  deny(
    ["docker", "container", "create", "--ipc=container:db", "alpine"],
    containerNamespace,
    "container create --ipc=container:NAME",
  ),
  deny(
    ["docker", "run", "--rm", "--network", "name=host", "alpine"],
    networkLongSyntax,
    "--network name=host, the host network in the long syntax",
  ),
  deny(
    ["docker", "run", "--net=name=host,alias=x", "alpine"],
    networkLongSyntax,
    "--net=name=host,alias=… with more fields",
  ),
  deny(
    ["docker", "run", "--userns=host", "alpine"],
    hostNamespace,
    "--userns=host, no user namespace remapping",
  ),
  deny(
    ["docker", "run", "--cgroupns", "host", "alpine"],
    hostNamespace,
    "--cgroupns host, the host's cgroup tree",
  ),
  deny(
    ["docker", "container", "run", "--volumes-from", "web", "alpine"],
    volumesFrom,
    "container run --volumes-from",
  ),
  deny(["docker", "exec", "-it", "web", "bash"], execInto, "exec -it into a container the operator may run"),
  deny(
    ["docker", "exec", "web", "cat", "/run/secrets/token"],
    execInto,
    "exec reading another container's secret",
  ),
  deny(
    ["docker", "exec", "web", "ls", "-v", "/"],
    execInto,
    "exec, whatever the command after the container",
  ),
  deny(["docker", "container", "exec", "-u", "0", "db", "sh"], execInto, "container exec as root"),
  deny(["docker", "--log-level", "error", "exec", "web", "sh"], execInto, "exec after a global option"),
  deny(["docker", "attach", "web"], execInto, "attach, typing into a container's main process"),
  deny(["docker", "container", "attach", "web"], execInto, "container attach"),
  deny(
    ["docker", "cp", "web:/app/report.txt", "./report.txt"],
    containerFiles,
    "cp from a container, even into the workspace",
  ),
  deny(
    ["docker", "cp", "./payload", "web:/usr/local/bin/x"],
    containerFiles,
    "cp into a container the operator may run",
  ),
  deny(["docker", "container", "cp", "db:/var/lib/x", "x"], containerFiles, "container cp"),
  deny(
    ["docker", "export", "-o", "web.tar", "web"],
    containerFiles,
    "export, a container's whole file system",
  ),
  deny(["docker", "container", "export", "web"], containerFiles, "container export to stdout"),
  deny(["docker", "commit", "web", "copy"], containerFiles, "commit, another container's files as an image"),
  deny(["docker", "container", "commit", "web", "copy"], containerFiles, "container commit"),
  deny(
    ["docker", "compose", "exec", "web", "sh"],
    sub("compose"),
    "compose exec (every compose command is denied)",
  ),
  deny(
    ["docker", "start", "-ai", "web"],
    startAttached,
    "start -ai, attached to a stopped container's main process",
  ),
  deny(["docker", "container", "start", "--attach", "web"], startAttached, "container start --attach"),
  allow(["docker", "start", "web"], "start without attaching"),
  allow(
    ["docker", "run", "--rm", "--network", "my-host-net", "alpine"],
    "a user network whose name contains host",
  ),
  allow(["docker", "run", "--rm", "--ipc", "private", "alpine"], "--ipc private"),
  allow(
    ["docker", "run", "--rm", "alpine", "--network=container:web"],
    "container:NAME text after the image",
  ),
  allow(["docker", "run", "--rm", "--name", "container", "alpine"], "a container named container"),
];

const afterTheImage: Row[] = [
  allow(["docker", "run", "ubuntu", "ls", "-v", "/"], "-v in the container's command"),
  allow(["docker", "run", "--rm", "alpine", "ls", "-v", "/"], "-v in the container's command after --rm"),
  allow(
    ["docker", "run", "alpine", "--cap-add", "SYS_ADMIN"],
    "an argument of the image's entrypoint that looks like --cap-add",
  ),
  allow(
    ["docker", "create", "alpine", "--device", "/dev/x"],
    "an argument of the image's entrypoint that looks like --device",
  ),
  allow(
    ["docker", "run", "--rm", "alpine", "echo", "--mount", "type=bind,src=/"],
    "--mount text in the container's command",
  ),
  allow(
    ["docker", "run", "-it", "--rm", "ubuntu", "bash", "-c", "ls --privileged"],
    "--privileged inside a shell string",
  ),
  allow(
    ["docker", "run", "--rm", "-e", "X=--privileged", "alpine"],
    "an env value that looks like an option",
  ),
  allow(["docker", "run", "--rm", "--name", "host", "alpine"], "a container named host"),
  allow(
    ["docker", "run", "ubuntu", "--privileged"],
    "an argument of the entrypoint that looks like --privileged",
  ),
  allow(
    ["docker", "run", "--rm", "ubuntu", "--pid=host"],
    "an argument after the image that looks like --pid=host",
  ),
  allow(
    ["docker", "run", "--rm", "alpine", "--cap-add", "X"],
    "--cap-add text after the image, with --rm (known to take no value) before it",
  ),
  allow(
    ["docker", "run", "--init", "--read-only", "-P", "alpine", "-v", "/:/h"],
    "-v text after the image, with several options known to take no value before it",
  ),
  allow(
    ["docker", "run", "--detach", "--tty", "--interactive", "nginx", "nginx", "--device", "x"],
    "--device text after the image, with long options known to take no value before it",
  ),
];

const everyday: Row[] = [
  allow(["docker", "ps"], "docker ps"),
  allow(["docker", "ps", "-a"], "ps -a"),
  allow(["docker", "logs", "-f", "web"], "logs -f"),
  allow(["docker", "images"], "images"),
  allow(["docker", "build", "."], "build ."),
  allow(["docker", "build", "./ctx"], "build ./ctx"),
  allow(["docker", "build", "-t", "app:latest", "."], "build -t"),
  allow(["docker", "build", "-f", "Dockerfile.dev", "."], "build -f with a workspace Dockerfile"),
  allow(["docker", "push", "registry.example.com/app:1"], "push"),
  allow(["docker", "pull", "ubuntu:24.04"], "pull"),
  allow(["docker", "tag", "app", "registry.example.com/app:1"], "tag"),
  allow(["docker", "run", "-it", "--rm", "ubuntu", "bash"], "run -it --rm ubuntu bash"),
  allow(
    ["docker", "run", "--rm", "-e", "FOO=bar", "-p", "8080:80", "nginx"],
    "run with env and a published port",
  ),
  allow(["docker", "run", "-d", "--name", "web", "nginx"], "run -d --name"),
  allow(["docker", "run", "--rm", "--network", "mynet", "nginx"], "run on a user network"),
  allow(["docker", "run", "--rm", "-v", "myvol:/data", "alpine"], "a named volume"),
  allow(
    ["docker", "run", "--rm", "--mount", "type=volume,src=myvol,dst=/data", "alpine"],
    "--mount of a named volume",
  ),
  allow(["docker", "run", "--rm", "--mount", "type=tmpfs,dst=/tmp", "alpine"], "--mount type=tmpfs"),
  allow(["docker", "stop", "web"], "stop"),
  allow(["docker", "rm", "-f", "web"], "rm -f"),
  allow(["docker", "volume", "create", "myvol"], "volume create without options"),
  allow(["docker", "volume", "ls"], "volume ls"),
  allow(["docker", "network", "create", "mynet"], "network create"),
  allow(["docker", "context", "ls"], "context ls"),
  allow(["docker", "inspect", "web"], "inspect"),
  allow(["docker", "version"], "version"),
  allow(
    ["docker", "run", "--rm", "-v", "/data", "alpine"],
    "an anonymous volume (a container path, no host path)",
  ),
  allow(["docker", "run", "--rm", "--env-file", ".env", "alpine"], "--env-file in the workspace"),
  allow(["docker", "build", "-f", "-", "."], "build -f - (the Dockerfile from stdin)"),
  allow(
    ["docker", "build", "-f", "docker/Dockerfile", "-t", "app", "."],
    "build -f in a workspace subdirectory",
  ),
  allow(["docker", "save", "-o", "app.tar", "app"], "save -o into the workspace"),
  allow(["docker", "stop", "-t", "5", "web"], "stop -t SECONDS"),
  allow(["docker", "load", "-i", "app.tar"], "load -i from the workspace"),
];

const envRows = [
  stripEnv("DOCKER_HOST", "another engine"),
  stripEnv("DOCKER_TLS_VERIFY", "TLS settings for another engine"),
  stripEnv("DOCKER_CERT_PATH", "client certificates for another engine"),
  stripEnv("DOCKER_CONFIG", "another client config directory (credentials, plugins)"),
  stripEnv("DOCKER_CONTEXT", "another configured context"),
];

describeCorpus(COMMAND, {
  sections: {
    "docker built-in: 0.4's rules in every spelling docker accepts": legacySpellings,
    "docker built-in: bypasses of 0.4": bypassesOf04,
    "docker built-in: other engines and client configs": otherEngines,
    "docker built-in: host files through volumes, cp and build contexts": hostFiles,
    "docker built-in: credentials handed to a build": credentials,
    "docker built-in: settings in files the module cannot read": composeFiles,
    "docker built-in: other containers on the engine (issue 14)": otherContainers,
    "docker built-in: options after the image are the container's": afterTheImage,
    "docker built-in: everyday commands": everyday,
  },
  // Rules kept for a clear reason but matched first by one of 0.4's entries: they must still match alone.
  shadowed: [[["docker", "run", "--privileged", "ubuntu"], flag("--privileged"), "run --privileged"]],
  envRows,
});
