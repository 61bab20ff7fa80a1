import { isIP } from 'node:net';

/**
 * The grammars of the values Phoenix hands to Podman, checked at validate time so that a value
 * Podman would refuse (or misread) never gets as far as `podman create`. Each function answers
 * null when the value is fine, or a sentence saying what is wrong.
 */

// The reference grammar of distribution/reference (reference/regexp.go), which Podman's
// containers/image implements too: [domain/]path[:tag][@digest].
const ALPHA_NUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHA_NUMERIC}(?:${SEPARATOR}${ALPHA_NUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_ADDRESS = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6_ADDRESS})(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** distribution/reference's NameTotalLengthMax. */
const NAME_TOTAL_LENGTH_MAX = 255;

/** An image reference such as `nginx:1.27`, `localhost/app:1` or `quay.io/x/y@sha256:…`. */
export function imageReferenceProblem(reference: string): string | null {
  const match = REFERENCE.exec(reference);
  if (match === null) {
    if (REFERENCE.test(reference.toLowerCase())) return `"${printable(reference)}" is not an image reference: repository names are lower case`;
    return `"${printable(reference)}" is not an image reference`;
  }
  if (match[1]!.length > NAME_TOTAL_LENGTH_MAX) return `the image name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`;
  // A 64-hex name is read as an image ID by Podman, never as a name (distribution/reference refuses it).
  if (/^[a-f0-9]{64}$/.test(match[1]!)) return `"${reference}" looks like an image ID, not a name`;
  return null;
}

/** Signal names Linux has (signal(7)); Podman also takes them without SIG, in any case, and by number. */
const SIGNALS = new Set(['HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'IOT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2', 'PIPE', 'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'POLL', 'PWR', 'SYS', 'RTMIN', 'RTMAX']);

/** A stop signal: SIGTERM, TERM, sigterm, 15, SIGRTMIN+3. */
export function signalProblem(signal: string): string | null {
  if (/^[0-9]+$/.test(signal)) return Number(signal) >= 1 && Number(signal) <= 64 ? null : `signal number ${signal} is not between 1 and 64`;
  const name = signal.toUpperCase().replace(/^SIG/, '');
  const rt = /^RT(MIN|MAX)([+-])([0-9]+)$/.exec(name);
  if (rt !== null) return Number(rt[3]) <= 30 ? null : `"${printable(signal)}" is past the real-time signal range`;
  return SIGNALS.has(name) ? null : `"${printable(signal)}" is not a signal name`;
}

/** Linux capabilities (capabilities(7), up to Linux 6.x), without the CAP_ prefix. */
export const LINUX_CAPABILITIES: ReadonlySet<string> = new Set([
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
]);

/** A capability name as cap_add, cap_drop and the policy take it: NET_ADMIN, CAP_NET_ADMIN, net_admin, or ALL. */
export function capabilityProblem(name: string, allowAll: boolean): string | null {
  const upper = name.toUpperCase().replace(/^CAP_/, '');
  if (upper === 'ALL') return allowAll ? null : '"ALL" cannot be allowed by name; list the capabilities';
  return LINUX_CAPABILITIES.has(upper) ? null : `"${printable(name)}" is not a Linux capability`;
}

/** An RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1–63 each, 253 in all. */
export function hostnameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 253) return `"${printable(name)}" is not a host name: it must have 1 to 253 characters`;
  const labels = name.split('.');
  const bad = labels.find((label) => !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
  return bad === undefined ? null : `"${printable(name)}" is not a host name (RFC 1123: letters, digits and inner hyphens, separated by dots)`;
}

/** An IP address, v4 or v6 (brackets allowed around v6). */
export function ipProblem(address: string, family?: 4 | 6): string | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const found = isIP(bare);
  if (found === 0) return `"${printable(address)}" is not an IP address`;
  if (family !== undefined && found !== family) return `"${printable(address)}" is not an IPv${family} address`;
  return null;
}

/** A subnet in CIDR notation, its prefix within the family's bits. */
export function cidrProblem(cidr: string): string | null {
  const slash = cidr.lastIndexOf('/');
  if (slash === -1) return `"${printable(cidr)}" is not a subnet in CIDR notation (address/prefix)`;
  const family = isIP(cidr.slice(0, slash));
  const prefix = cidr.slice(slash + 1);
  if (family === 0) return `"${printable(cidr)}" does not start with an IP address`;
  const max = family === 4 ? 32 : 128;
  if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > max) return `the prefix of "${printable(cidr)}" must be 0 to ${max}`;
  return null;
}

/** A port or a port range (`8080`, `8000-8010`) and the ports it has; `min` is 0 where "any" is meant. */
export function portRange(text: string, min = 1): { readonly low: number; readonly high: number } | string {
  const match = /^([0-9]{1,6})(?:-([0-9]{1,6}))?$/.exec(text);
  if (match === null) return `"${printable(text)}" is not a port or a port range`;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (low < min || low > 65535 || high < min || high > 65535) return `port ${low > 65535 || low < min ? low : high} is not between ${min} and 65535`;
  if (high < low) return `the range ${text} runs backwards`;
  return { low, high };
}

/**
 * A label key: non-empty, printable, no whitespace and no `=` (Podman splits `key=value` at the
 * first `=`); Docker's reverse-DNS recommendation is advice, not grammar.
 */
export function labelKeyProblem(key: string): string | null {
  if (key.length === 0) return 'a label key is empty';
  if (/[\s=\p{Cc}]/u.test(key)) return `the label key "${printable(key)}" has a space, "=" or a control character`;
  return null;
}

/** The prefix of the labels Phoenix keeps its records in; a user's label there would overwrite them. */
export const RESERVED_LABEL_PREFIX = 'io.phoenix.';

/** A container environment variable name: a letter or `_`, then letters, digits, `_`, `.` or `-`. */
export function envNameProblem(name: string): string | null {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) ? null : `"${printable(name)}" is not an environment variable name (a letter or "_", then letters, digits, "_", "." or "-")`;
}

/** A MAC address: six hexadecimal pairs separated by colons. */
export function macProblem(mac: string): string | null {
  return /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(mac) ? null : `"${printable(mac)}" is not a MAC address`;
}

/** ulimit names Podman knows (setrlimit(2)'s resources). */
export const ULIMIT_NAMES: ReadonlySet<string> = new Set(['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);

/** A sysctl name: dot- or slash-separated words (net.core.somaxconn, kernel/msgmax). */
export function sysctlProblem(name: string): string | null {
  return /^[A-Za-z0-9_-]+([./][A-Za-z0-9_*-]+)+$/.test(name) ? null : `"${printable(name)}" is not a sysctl name (such as net.core.somaxconn)`;
}

/** userns_mode values Podman 4.3 takes (podman-create(1) --userns). */
export function usernsProblem(mode: string): string | null {
  return /^(host|private|nomap|keep-id(:[a-z]+=[0-9]+(,[a-z]+=[0-9]+)*)?|auto(:[a-z]+=[^\s]+)?|ns:\/\S+|container:\S+)$/.test(mode) ? null : `"${printable(mode)}" is not a user namespace mode`;
}

/** A value shown in a message: control characters escaped, long values cut. */
export function printable(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}…` : escaped;
}
