/**
 * What `phoenix doctor` learns about the host before judging it: gathered by probe-host.ts
 * (real files and `podman info`), judged by the pure checks. A test hands in its own facts.
 */
import type { ContainersConfChoice } from '../podman/containers-conf.js';
import type { PodmanHostInfo } from '../podman/podman-info.js';

/** A range of /etc/subuid or /etc/subgid. */
export interface SubidRange {
  readonly start: number;
  readonly count: number;
}

/** A file's owner and permission bits (mode & 0o7777), or that it is not there. */
export type FileFacts = { readonly exists: false } | { readonly exists: true; readonly mode: number; readonly uid: number; readonly isDirectory: boolean };

/** Podman's answer to `podman info`, or the classified error it failed with. */
export type PodmanFacts = { readonly ok: true; readonly info: PodmanHostInfo } | { readonly ok: false; readonly code: string; readonly message: string; readonly remediation: string };

/** Everything the doctor checks judge. */
export interface DoctorFacts {
  readonly user: { readonly name: string; readonly uid: number };
  readonly podman: PodmanFacts;
  /** This user's ranges in /etc/subuid and /etc/subgid (by name or uid). */
  readonly subuid: readonly SubidRange[];
  readonly subgid: readonly SubidRange[];
  /** newuidmap / newgidmap on PATH (the uidmap package), or null. */
  readonly newuidmap: string | null;
  readonly newgidmap: string | null;
  /** /dev/net/tun: there, and readable and writable by this user. */
  readonly tun: { readonly exists: boolean; readonly accessible: boolean; readonly mode: number | null };
  /** The rootless network helpers on PATH. */
  readonly slirp4netns: string | null;
  readonly pasta: string | null;
  /** XDG_RUNTIME_DIR as set, and that folder. */
  readonly runtimeDir: { readonly variable: string | undefined; readonly file: FileFacts };
  /** 2 when /sys/fs/cgroup is the unified hierarchy. */
  readonly cgroupVersion: 1 | 2;
  /** PID 1 is systemd: Podman's health-check timers and lingering exist only then. */
  readonly systemd: boolean;
  /** /var/lib/systemd/linger/USER exists. */
  readonly lingering: boolean;
  /** The containers.conf Podman runs with, and whether it can be read. */
  readonly containersConf: (ContainersConfChoice & { readonly readable: boolean }) | null;
  /** Phoenix's state directory and the key files in it (`*.key`). */
  readonly stateDir: { readonly path: string; readonly file: FileFacts; readonly keys: readonly { readonly name: string; readonly file: FileFacts }[] };
}
