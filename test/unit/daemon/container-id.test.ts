import { describe, expect, test } from "bun:test";
import { containerFromCgroup } from "../../../src/daemon/container-id.ts";

const ID = "3f1c2b7d9e8a4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b";

// Lines as /proc/<pid>/cgroup shows them on the host for a process in each kind of container.
const CASES: [string, string, string, string][] = [
  [
    "docker, cgroup v1",
    `12:memory:/docker/${ID}\n11:pids:/docker/${ID}\n0::/system.slice/containerd.service`,
    "docker",
    ID,
  ],
  ["docker, cgroup v2 with the systemd driver", `0::/system.slice/docker-${ID}.scope`, "docker", ID],
  ["docker, cgroup v2 with the cgroupfs driver", `0::/docker/${ID}`, "docker", ID],
  [
    "kubernetes + containerd, cgroup v2",
    `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8c6e_4f2a.slice/cri-containerd-${ID}.scope`,
    "containerd",
    ID,
  ],
  [
    "kubernetes + containerd, cgroup v1 cgroupfs",
    `4:memory:/kubepods/besteffort/pod8c6e4f2a-1111-2222-3333-444455556666/${ID}`,
    "containerd",
    ID,
  ],
  ["kubernetes + cri-o", `0::/kubepods.slice/kubepods-pod1.slice/crio-${ID}.scope`, "cri-o", ID],
  [
    "podman rootless, cgroup v2",
    `0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`,
    "podman",
    ID,
  ],
  ["podman, cgroup v1", `10:cpu,cpuacct:/libpod_parent/libpod-${ID}`, "podman", ID],
  ["plain containerd (ctr)", `0::/default/${ID}`, "containerd", ID],
  [
    "systemd-nspawn",
    "0::/machine.slice/systemd-nspawn@build\\x2dbox.service/payload",
    "systemd-nspawn",
    "build-box",
  ],
  ["systemd-nspawn machine scope", "0::/machine.slice/machine-web.scope", "systemd-nspawn", "web"],
];

describe("containerFromCgroup", () => {
  test.each(CASES)("derives the container of a process under %s", (_name, text, runtime, id) => {
    expect(containerFromCgroup(text)).toEqual({ runtime: runtime as never, id });
  });

  test.each([
    ["a host login session", "0::/user.slice/user-1000.slice/session-3.scope"],
    ["a host service", "0::/system.slice/ssh.service"],
    ["a short hex that is not a container id", "0::/docker/abc123"],
    ["nothing", ""],
  ])("finds no container for %s", (_name, text) => {
    expect(containerFromCgroup(text)).toBeUndefined();
  });
});
