/**
 * The one error type that leaves src/podman: a stable code, what happened, and what to do.
 * Codes are part of Phoenix's public surface (docs/errors.md); never rename one.
 */
import { formatDeadline } from './call-deadlines.js';

export type PodmanErrorCode =
  | 'PODMAN-NOT-INSTALLED'
  | 'PODMAN-NOT-PERMITTED'
  | 'PODMAN-ROOTLESS-IDS'
  | 'PODMAN-ROOTLESS-NETWORK'
  | 'PODMAN-ROOTLESS-RUNTIME-DIR'
  | 'PODMAN-NAME-IN-USE'
  | 'PODMAN-IMAGE-NOT-FOUND'
  | 'PODMAN-REGISTRY-AUTH'
  | 'PODMAN-REGISTRY-TLS'
  | 'PODMAN-BUILD-FAILED'
  | 'PODMAN-PORT-IN-USE'
  | 'PODMAN-NO-SPACE'
  | 'PODMAN-TIMEOUT'
  | 'PODMAN-STORAGE-LOCKED'
  | 'PODMAN-RUNTIME-SETUP'
  | 'PODMAN-NO-SUCH-OBJECT'
  | 'PODMAN-ABORTED'
  | 'PODMAN-CIRCUIT-OPEN'
  | 'PODMAN-OUTPUT-INVALID'
  | 'PODMAN-FAILED';

/** One actionable sentence per code. */
export const REMEDIATION: Readonly<Record<PodmanErrorCode, string>> = {
  'PODMAN-NOT-INSTALLED': 'Install Podman 4.3 or later (on Debian or Ubuntu, run `sudo scripts/setup.sh`), or give Phoenix the path of the podman binary.',
  'PODMAN-NOT-PERMITTED':
    'Set up rootless Podman for this user (ranges in /etc/subuid and /etc/subgid, then `podman system migrate`), or run Phoenix as a user that may run containers.',
  'PODMAN-ROOTLESS-IDS':
    'Give this user subordinate ID ranges and the tools that map them: as root, `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER` and `apt-get install uidmap` (newuidmap/newgidmap), then `podman system migrate` as the user. `phoenix doctor` shows what is missing.',
  'PODMAN-ROOTLESS-NETWORK':
    "Rootless networking needs /dev/net/tun and slirp4netns: as root, `chmod 0666 /dev/net/tun` (its usual mode; it is root-only on some hosts) and `apt-get install slirp4netns`; or give the service `network_mode: none`. `phoenix doctor` shows what is missing.",
  'PODMAN-ROOTLESS-RUNTIME-DIR':
    'Set XDG_RUNTIME_DIR to a folder this user owns with mode 0700 (logind makes /run/user/UID; without it, as root: `install -d -m 0700 -o USER -g USER /run/user/UID`), then run Phoenix again.',
  'PODMAN-NAME-IN-USE': 'Remove or rename the existing object that has this name (see `podman ps -a`, `podman network ls`, `podman volume ls`, `podman secret ls`), or choose another name in the manifest.',
  'PODMAN-IMAGE-NOT-FOUND': 'Check the image reference, and when no registry is reachable make the image available locally with `podman build`, `podman load` or `podman import`.',
  'PODMAN-REGISTRY-AUTH':
    'Log in to the registry with `podman login REGISTRY` (or `podman login --authfile FILE` and set REGISTRY_AUTH_FILE=FILE for Phoenix), and check that the account may read the image.',
  'PODMAN-REGISTRY-TLS':
    'The registry does not speak HTTPS (or its certificate is not trusted): list it under `policy.registries.insecure` in the environment file to pull from it without TLS verification, or give it a certificate.',
  'PODMAN-BUILD-FAILED': "Read the build's output above: a step of the Dockerfile failed. Fix the Dockerfile or the context and apply again.",
  'PODMAN-PORT-IN-USE': 'Free the host port (`ss -ltnp` shows who holds it) or publish the service on another host port.',
  'PODMAN-NO-SPACE': "Free disk space where Podman keeps its storage (`podman system df`, `podman system prune`) and try again.",
  'PODMAN-TIMEOUT':
    'Check that Podman answers (`podman info`; a hung podman process or a held storage lock are the usual causes). If the machine is only slow, raise every deadline with PHOENIX_PODMAN_TIMEOUT_SCALE (e.g. 3).',
  'PODMAN-STORAGE-LOCKED': 'Another Podman process holds the storage lock: wait for it to finish and try again.',
  'PODMAN-RUNTIME-SETUP':
    'Run scripts/setup.sh, which writes a containers.conf with the fix (ulimits Podman may set, runtime runc) to /etc/phoenix (as root) or ~/.config/phoenix, where Phoenix finds it from any state directory and passes it to Podman through CONTAINERS_CONF.',
  'PODMAN-NO-SUCH-OBJECT': 'Observe again and re-plan: the object no longer exists, or never did.',
  'PODMAN-ABORTED': 'Nothing to do: the operation was cancelled on request.',
  'PODMAN-CIRCUIT-OPEN': "Check Podman (`podman info`) and the errors reported before this one: calls to it are paused after repeated failures and resume after a cool-down.",
  'PODMAN-OUTPUT-INVALID':
    'Podman answered with output Phoenix cannot read: run the same podman command by hand, check that `podman` on PATH is Podman 4.3 or later (`podman version`) and not a wrapper that prints something else.',
  'PODMAN-FAILED': "Run the same podman command by hand to see Podman's full message.",
};

/** What a podman command printed that Phoenix cannot read (not JSON, not a log line): an error, never taken as an answer. */
export function outputInvalid(what: string, problem: string, output: string, cause?: unknown): PodmanError {
  const shown = output.trim().slice(0, 120).replace(/[^\x20-\x7e]/g, '?');
  return new PodmanError('PODMAN-OUTPUT-INVALID', `${what} printed ${problem}${shown === '' ? '' : `: "${shown}"`}`, cause === undefined ? {} : { cause });
}

/** Codes worth retrying as they are: the same call may succeed a moment later. */
const TRANSIENT: ReadonlySet<PodmanErrorCode> = new Set(['PODMAN-STORAGE-LOCKED', 'PODMAN-TIMEOUT']);

export interface PodmanErrorDetails {
  /** The podman arguments (never a secret: secrets travel on standard input). */
  readonly args?: readonly string[];
  readonly exitCode?: number | null;
  /** Podman's standard error, trimmed. */
  readonly stderr?: string;
  readonly cause?: unknown;
  /** Overrides the default remediation of the code. */
  readonly remediation?: string;
}

/** A failed Podman call, classified. */
export class PodmanError extends Error {
  override readonly name = 'PodmanError';
  readonly code: PodmanErrorCode;
  readonly remediation: string;
  /** True when retrying the same call later may succeed. */
  readonly transient: boolean;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(code: PodmanErrorCode, message: string, details: PodmanErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.remediation = details.remediation ?? REMEDIATION[code];
    this.transient = TRANSIENT.has(code);
    this.args = details.args ?? [];
    this.exitCode = details.exitCode ?? null;
    this.stderr = details.stderr ?? '';
  }
}

/** Type guard, for callers and for cockatiel's `handleWhen`. */
export function isPodmanError(value: unknown, code?: PodmanErrorCode): value is PodmanError {
  return value instanceof PodmanError && (code === undefined || value.code === code);
}

/** What a finished (or never started) podman process left behind. */
export interface PodmanFailure {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  /** Set when the process could not be started at all (ENOENT, EACCES, ...). */
  readonly spawnError?: { readonly code?: string; readonly message: string };
  readonly timedOut?: boolean;
  readonly timeoutMs?: number;
  readonly aborted?: boolean;
}

/** Order matters: the first match wins (an image pull failure also says "no such host"). */
const RULES: readonly (readonly [PodmanErrorCode, RegExp])[] = [
  ['PODMAN-RUNTIME-SETUP', /setrlimit|error setting rlimit|cgroups in hybrid mode/i],
  ['PODMAN-NO-SPACE', /no space left on device|disk quota exceeded/i],
  // Rootless set-up problems, each with its own remedy, before the generic "not permitted".
  ['PODMAN-ROOTLESS-NETWORK', /\/dev\/net\/tun|checking slirp4netns binary|slirp4netns[^\n]*no such file|slirp4netns[^\n]*(failed|not found)|could not find slirp4netns|pasta[^\n]*(failed|not found)/i],
  ['PODMAN-ROOTLESS-RUNTIME-DIR', /XDG_RUNTIME_DIR|run(time)?[ -]dir[^\n]*not owned|podman-run-\d+[^\n]*permission denied/i],
  ['PODMAN-ROOTLESS-IDS', /newuidmap|newgidmap|\/etc\/sub[ug]id|no subuid ranges|no subgid ranges|insufficient [ug]ids|not enough ids? available|could not find enough available ids|cannot find mappings for user/i],
  [
    'PODMAN-NOT-PERMITTED',
    /newuidmap|newgidmap|\/etc\/sub[ug]id|user namespaces? (are|is) not enabled|cannot clone: operation not permitted|not enough ids? available|cannot set up namespace|rootless.*(not|cannot)|cannot re-exec process|permission denied.*(\/var\/lib\/containers|storage|\/run\/containers)|(\/var\/lib\/containers|\/run\/containers|\/run\/libpod)[^\n]*permission denied/i,
  ],
  ['PODMAN-STORAGE-LOCKED', /database is locked|(acquir|obtain)(e|ing)? (the )?lock|lock[^\n]*(timed out|timeout)|resource temporarily unavailable|layer[^\n]*is in use by/i],
  ['PODMAN-PORT-IN-USE', /address already in use|port is already allocated|cannot listen on the (tcp|udp) port/i],
  ['PODMAN-REGISTRY-AUTH', /unauthorized|authentication required|invalid username\/password|incorrect username or password|no basic auth credentials/i],
  ['PODMAN-REGISTRY-TLS', /server gave HTTP response to HTTPS client|x509: certificate|tls: failed to verify|certificate signed by unknown authority/i],
  [
    'PODMAN-IMAGE-NOT-FOUND',
    /image not known|no such image|manifest unknown|short-name[^\n]*did not resolve|initializing source docker|pinging container registry|requested access to the resource is denied|repository[^\n]*not found|unable to pull|error pulling image|reading manifest|image[^\n]*not found/i,
  ],
  ['PODMAN-NAME-IN-USE', /already in use|already exists|name in use|already used/i],
  ['PODMAN-NO-SUCH-OBJECT', /no such (container|object|volume|secret|network|pod)|no container with name or id|network not found|no volume with name|no secret with name/i],
];

/** podman prints logrus noise (`time="..." level=warning msg=...`) before its real `Error:` line. */
export function podmanMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const errorLine = lines.find((line) => line.startsWith('Error:')) ?? lines.find((line) => !line.startsWith('time=')) ?? lines[0] ?? '';
  return errorLine.replace(/^Error:\s*/, '');
}

const COMMAND_GROUPS: ReadonlySet<string> = new Set(['container', 'healthcheck', 'image', 'network', 'pod', 'secret', 'system', 'volume']);

/** `podman create`, `podman secret create`: the command, without its arguments. */
function describe(args: readonly string[]): string {
  const [first = '', second = ''] = args;
  return COMMAND_GROUPS.has(first) && second !== '' ? `podman ${first} ${second}` : `podman ${first}`.trim();
}

/** Turns what a podman process left behind into a classified PodmanError. */
export function classifyPodmanFailure(failure: PodmanFailure): PodmanError {
  const { args, exitCode, stderr } = failure;
  const what = describe(args);
  const details = { args, exitCode, stderr };
  if (failure.aborted === true) return new PodmanError('PODMAN-ABORTED', `${what} was cancelled`, details);
  if (failure.timedOut === true) {
    const within = failure.timeoutMs === undefined ? 'in time' : `within ${formatDeadline(failure.timeoutMs)}`;
    return new PodmanError('PODMAN-TIMEOUT', `${what} did not answer ${within}; it was stopped`, details);
  }
  if (failure.spawnError !== undefined) {
    const code = failure.spawnError.code;
    if (code === 'ENOENT') return new PodmanError('PODMAN-NOT-INSTALLED', `podman was not found (${failure.spawnError.message})`, { ...details, cause: failure.spawnError });
    if (code === 'EACCES' || code === 'EPERM') return new PodmanError('PODMAN-NOT-PERMITTED', `podman could not be run (${failure.spawnError.message})`, { ...details, cause: failure.spawnError });
    return new PodmanError('PODMAN-FAILED', `${what} could not be started: ${failure.spawnError.message}`, { ...details, cause: failure.spawnError });
  }
  const message = podmanMessage(stderr);
  // Match against the whole stderr: the telling line is not always the last `Error:` line.
  const rule = RULES.find(([, pattern]) => pattern.test(stderr));
  // A build that fails for no reason of Podman's own is the Dockerfile's failure (and must not count against Podman's health).
  const code: PodmanErrorCode = rule?.[0] ?? (args[0] === 'build' ? 'PODMAN-BUILD-FAILED' : 'PODMAN-FAILED');
  const text = message === '' ? `exited with code ${exitCode ?? '?'}` : message;
  return new PodmanError(code, `${what} failed: ${text}`, details);
}
