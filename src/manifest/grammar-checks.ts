import type { IssueCode, ManifestIssue } from '../model/issue.js';
import { issueAt } from './manifest-issue.js';
import type { KeyPath, LocationMap } from './yaml-source.js';
import {
  capabilityProblem,
  cidrProblem,
  envNameProblem,
  hostnameProblem,
  imageReferenceProblem,
  ipProblem,
  labelKeyProblem,
  macProblem,
  portRange,
  printable,
  RESERVED_LABEL_PREFIX,
  signalProblem,
  sysctlProblem,
  ULIMIT_NAMES,
  usernsProblem,
} from './value-grammars.js';

/**
 * The most replicas a service may ask for. A host runs a few hundred containers at best; the
 * limit keeps `replicas: 1000000000` from exhausting memory while planning (docs/manifest.md).
 */
export const MAX_REPLICAS = 10_000;

/** What the grammar checks found: the issues, and the key paths to leave out before the schema runs. */
export interface GrammarFindings {
  readonly issues: ManifestIssue[];
  readonly prune: KeyPath[];
}

type Raw = Record<string, unknown>;

/**
 * Checks values against their real grammars (image references, signals, capabilities, IPs and
 * CIDRs, ports, host names, label keys, environment variable names) on the data as written,
 * before the schema coerces it (so `image: 123`, a YAML number, is still seen as one). Each bad
 * value is reported at its position and its key is left out, so later stages stay quiet.
 */
class GrammarChecker {
  readonly issues: ManifestIssue[] = [];
  readonly prune: KeyPath[] = [];

  constructor(
    private readonly locations: LocationMap,
    private readonly skip: (keyPath: KeyPath) => boolean = () => false,
  ) {}

  /** Reports a bad value at `at`, leaving out `prune` (default: up to the first list index of `at`). */
  problem(at: KeyPath, message: string, remediation: string, code: IssueCode = 'PHX-INVALID-FORMAT', prune?: KeyPath): void {
    if (this.skip(at)) return;
    this.issues.push(issueAt(code, this.locations.valueAt(at), at, `${message}.`, remediation));
    const listAt = at.findIndex((segment) => typeof segment === 'number');
    this.prune.push(prune ?? (listAt === -1 ? at : at.slice(0, listAt)));
  }

  /** Non-finite numbers (`.inf`, `1e400`) and NUL characters are wrong everywhere. */
  everywhere(value: unknown, at: KeyPath): void {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      this.problem(at, `${String(value)} is not a finite number`, 'Write a number within range.');
    } else if (typeof value === 'string' && value.includes('\u0000')) {
      this.problem(at, 'the value holds a NUL character, which no command argument, label or variable can carry', 'Remove the NUL character.');
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => this.everywhere(item, [...at, index]));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) this.problem([...at, key], 'a key holds a NUL character', 'Remove the NUL character.');
        else this.everywhere(child, [...at, key]);
      }
    }
  }

  service(service: Raw, at: KeyPath): void {
    const key = (name: string): KeyPath => [...at, name];
    this.stringValue(service.image, key('image'), imageReferenceProblem, 'Write an image reference such as nginx:1.27 or localhost/app:1 (lower-case repository, optional :tag and @digest).');
    for (const name of ['command', 'entrypoint']) {
      const value = service[name];
      if (typeof value === 'number' || typeof value === 'boolean') this.problem(key(name), `${name} is a ${typeof value}, not a command`, `Quote it, or write a list of words: ${name}: ["${String(value)}"].`);
    }
    this.stringValue(service.stop_signal, key('stop_signal'), signalProblem, 'Write a signal name such as SIGTERM, SIGQUIT or SIGINT (or its number).', true);
    for (const name of ['cap_add', 'cap_drop']) this.stringList(service[name], key(name), (c) => capabilityProblem(c, true), 'Write Linux capability names such as NET_ADMIN or CHOWN, or ALL (capabilities(7)).');
    this.stringValue(service.working_dir, key('working_dir'), (dir) => (dir.startsWith('/') ? null : `working_dir "${printable(dir)}" is not an absolute path`), 'Write an absolute path inside the container, such as /app.');
    this.stringValue(service.userns_mode, key('userns_mode'), usernsProblem, 'Write host, private, nomap, keep-id, auto, ns:PATH or container:NAME.');
    this.stringValue(service.hostname, key('hostname'), hostnameProblem, 'Write a host name of letters, digits and hyphens (dots between labels), such as web or web.internal.');
    this.stringValue(service.domainname, key('domainname'), hostnameProblem, 'Write a domain name of letters, digits and hyphens, such as example.internal.');
    this.stringValue(service.container_name, key('container_name'), (name) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) ? null : `"${printable(name)}" is not a container name`), 'Start with a letter or digit, then letters, digits, "_", "." or "-".');
    this.tmpfs(service.tmpfs, key('tmpfs'));
    this.extraHosts(service.extra_hosts, key('extra_hosts'));
    if (Array.isArray(service.ports)) service.ports.forEach((port, index) => this.port(port, [...at, 'ports', index]));
    this.labels(service.labels, key('labels'));
    this.environment(service.environment, key('environment'));
    this.stringOrList(service.dns, key('dns'), (ip) => ipProblem(ip), 'Write the IP address of a DNS server, such as 10.0.0.2.');
    this.ulimits(service.ulimits, key('ulimits'));
    this.sysctls(service.sysctls, key('sysctls'));
    this.serviceNetworks(service.networks, key('networks'));
    this.replicas(service.scale, key('scale'));
    const deploy = service.deploy;
    if (isRecord(deploy)) this.replicas(deploy.replicas, [...at, 'deploy', 'replicas']);
  }

  /** Top-level `networks:`: subnets, gateways and ranges, labels. */
  network(network: Raw, at: KeyPath): void {
    this.labels(network.labels, [...at, 'labels']);
    const ipam = network.ipam;
    if (!isRecord(ipam) || !Array.isArray(ipam.config)) return;
    ipam.config.forEach((entry, index) => {
      if (!isRecord(entry)) return;
      const here = [...at, 'ipam', 'config', index];
      this.stringValue(entry.subnet, [...here, 'subnet'], cidrProblem, 'Write a subnet in CIDR notation, such as 172.28.0.0/16 (prefix 0-32 for IPv4, 0-128 for IPv6).');
      this.stringValue(entry.ip_range, [...here, 'ip_range'], cidrProblem, 'Write a range in CIDR notation inside the subnet, such as 172.28.5.0/24.');
      this.stringValue(entry.gateway, [...here, 'gateway'], (ip) => ipProblem(ip), 'Write the gateway as an IP address inside the subnet.');
    });
  }

  /** A string value checked by `grammar`; a number where a string belongs is refused unless `numbers`. */
  stringValue(value: unknown, at: KeyPath, grammar: (text: string) => string | null, remediation: string, numbers = false): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'number' && numbers) value = String(value);
    if (typeof value !== 'string') {
      if (typeof value === 'number' || typeof value === 'boolean') this.problem(at, `the value is a ${typeof value}, not text`, `Quote it if it is meant as text. ${remediation}`);
      return;
    }
    // An empty value (often `${VAR:-}`) means "not set" to Compose, like leaving the key out.
    if (value === '' && at[at.length - 1] !== 'image') return;
    const problem = grammar(value);
    if (problem !== null) this.problem(at, problem, remediation);
  }

  stringList(value: unknown, at: KeyPath, grammar: (text: string) => string | null, remediation: string): void {
    if (!Array.isArray(value)) return;
    value.forEach((item, index) => this.stringValue(item, [...at, index], grammar, remediation));
  }

  stringOrList(value: unknown, at: KeyPath, grammar: (text: string) => string | null, remediation: string): void {
    if (Array.isArray(value)) this.stringList(value, at, grammar, remediation);
    else this.stringValue(value, at, grammar, remediation);
  }

  tmpfs(value: unknown, at: KeyPath): void {
    this.stringOrList(value, at, (entry) => (entry.startsWith('/') ? null : `tmpfs "${printable(entry)}" is not an absolute path`), 'Write an absolute path inside the container, optionally with options: /run:size=64m.');
  }

  extraHosts(value: unknown, at: KeyPath): void {
    const advice = 'Write "host:ip" or "host=ip" with an IP address (or host-gateway), e.g. "db.local:10.0.0.5".';
    const check = (host: string, ip: string, where: KeyPath): void => {
      if (hostnameProblem(host) !== null) this.problem(where, `"${printable(host)}" is not a host name`, advice);
      else if (ip !== 'host-gateway' && ipProblem(ip) !== null) this.problem(where, `"${printable(ip)}" is not an IP address`, advice);
    };
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        if (typeof entry !== 'string') return;
        const separator = entry.includes('=') ? entry.indexOf('=') : entry.indexOf(':');
        if (separator <= 0) return; // the normaliser says "not host:ip"
        check(entry.slice(0, separator), entry.slice(separator + 1), [...at, index]);
      });
    } else if (isRecord(value)) {
      for (const [host, ips] of Object.entries(value)) {
        for (const ip of Array.isArray(ips) ? ips : [ips]) if (typeof ip === 'string') check(host, ip, [...at, host]);
      }
    }
  }

  port(port: unknown, at: KeyPath): void {
    const advice = 'Write [[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL] with ports 1-65535, e.g. "8080:80" or "127.0.0.1:8000-8001:80-81"; leave PUBLISHED out (with its colon) for a random host port.';
    if (typeof port === 'number') {
      const target = portRange(String(port));
      if (typeof target === 'string') this.problem(at, target, advice);
      return;
    }
    if (typeof port === 'string') {
      const problem = shortPortProblem(port);
      if (problem !== null) this.problem(at, problem, advice);
      return;
    }
    if (!isRecord(port)) return;
    const target = port.target === undefined ? null : portRange(String(port.target));
    if (typeof target === 'string') return this.problem([...at, 'target'], target, advice);
    const published = port.published === undefined || port.published === '' ? null : portRange(String(port.published));
    if (typeof published === 'string') return this.problem([...at, 'published'], published, advice);
    if (typeof port.host_ip === 'string' && port.host_ip !== '' && ipProblem(port.host_ip) !== null) return this.problem([...at, 'host_ip'], `"${printable(port.host_ip)}" is not an IP address`, advice);
    const mismatch = target !== null && published !== null ? rangeMismatch(published, target) : null;
    if (mismatch !== null) this.problem(at, mismatch, advice);
  }

  labels(value: unknown, at: KeyPath): void {
    const advice = 'Write labels as KEY=VALUE (or a map of key to value); keys have no spaces or "=".';
    const checkKey = (labelKey: string, where: KeyPath): void => {
      const problem = labelKeyProblem(labelKey);
      if (problem !== null) this.problem(where, problem, advice);
      else if (labelKey.startsWith(RESERVED_LABEL_PREFIX)) this.problem(where, `the label "${printable(labelKey)}" is in Phoenix's own namespace (${RESERVED_LABEL_PREFIX}*), where Phoenix records what it applied`, 'Use a label key of your own, such as com.example.owner.', 'PHX-LABEL-RESERVED');
    };
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        if (typeof entry !== 'string') return this.problem([...at, index], `the label ${printable(String(entry))} is not KEY=VALUE text`, advice);
        const separator = entry.indexOf('=');
        if (separator === -1) return this.problem([...at, index], `the label "${printable(entry)}" has no "="`, advice);
        checkKey(entry.slice(0, separator), [...at, index]);
      });
    } else if (isRecord(value)) {
      for (const labelKey of Object.keys(value)) checkKey(labelKey, [...at, labelKey]);
    }
  }

  environment(value: unknown, at: KeyPath): void {
    const advice = 'Write KEY=VALUE entries (or a map) whose names start with a letter or "_".';
    if (Array.isArray(value)) {
      value.forEach((entry, index) => {
        if (typeof entry !== 'string') return this.problem([...at, index], `the entry ${printable(String(entry))} is a ${entry === null ? 'null' : typeof entry}, not KEY=VALUE text`, advice);
        const name = entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry;
        const problem = envNameProblem(name);
        if (problem !== null) this.problem([...at, index], problem, advice);
      });
    } else if (isRecord(value)) {
      for (const name of Object.keys(value)) {
        const problem = envNameProblem(name);
        if (problem !== null) this.problem([...at, name], problem, advice);
      }
    }
  }

  ulimits(value: unknown, at: KeyPath): void {
    if (!isRecord(value)) return;
    for (const name of Object.keys(value)) {
      if (!ULIMIT_NAMES.has(name)) this.problem([...at, name], `"${printable(name)}" is not a ulimit`, `Use one of ${[...ULIMIT_NAMES].join(', ')}.`);
    }
  }

  sysctls(value: unknown, at: KeyPath): void {
    const advice = 'Write kernel parameter names such as net.core.somaxconn.';
    if (isRecord(value)) for (const name of Object.keys(value)) this.stringValue(name, [...at, name], sysctlProblem, advice);
    else if (Array.isArray(value)) value.forEach((entry, index) => typeof entry === 'string' && this.stringValue(entry.split('=')[0]!, [...at, index], sysctlProblem, advice));
  }

  serviceNetworks(value: unknown, at: KeyPath): void {
    if (!isRecord(value)) return;
    for (const [name, spec] of Object.entries(value)) {
      if (!isRecord(spec)) continue;
      const here = [...at, name];
      this.stringValue(spec.ipv4_address, [...here, 'ipv4_address'], (ip) => ipProblem(ip, 4), 'Write an IPv4 address inside the network\'s subnet, such as 172.28.0.10.');
      this.stringValue(spec.ipv6_address, [...here, 'ipv6_address'], (ip) => ipProblem(ip, 6), 'Write an IPv6 address inside the network\'s subnet.');
      this.stringValue(spec.mac_address, [...here, 'mac_address'], macProblem, 'Write six hexadecimal pairs separated by colons, e.g. 92:d0:c6:0a:29:33.');
    }
  }

  replicas(value: unknown, at: KeyPath): void {
    const count = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
    if (typeof count === 'number' && Number.isFinite(count) && count > MAX_REPLICAS) {
      this.problem(at, `${count} replicas is more than ${MAX_REPLICAS}, the most Phoenix runs for one service`, `Ask for at most ${MAX_REPLICAS} replicas.`, 'PHX-LIMIT-EXCEEDED');
    }
  }
}

/** A short port entry, `[[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]`, checked part by part. */
export function shortPortProblem(text: string): string | null {
  const [spec, protocol, ...rest] = text.split('/');
  if (rest.length > 0 || (protocol !== undefined && protocol !== 'tcp' && protocol !== 'udp')) return `"${printable(text)}" has a protocol other than tcp or udp`;
  // An IPv6 host address is written in brackets; the ports follow the last colon-separated parts.
  const bracket = /^\[([^\]]*)\]:(.*)$/.exec(spec!);
  const hostIp = bracket?.[1];
  const parts = (bracket === null ? spec! : bracket[2]!).split(':');
  const [ip, published, target] = hostIp !== undefined ? [hostIp, ...(parts.length === 1 ? ['', parts[0]] : parts)] : parts.length === 3 ? parts : parts.length === 2 ? [undefined, ...parts] : [undefined, undefined, ...parts];
  if (parts.length > (hostIp !== undefined ? 2 : 3) || target === undefined) return `"${printable(text)}" is not a port mapping`;
  if (ip !== undefined && ip !== '' && ipProblem(ip) !== null) return `"${printable(ip)}" in "${printable(text)}" is not an IP address`;
  if (published === '' && ip === undefined) return `"${printable(text)}" has an empty host port before its colon`;
  const targetRange = portRange(target);
  if (typeof targetRange === 'string') return targetRange;
  if (published === undefined || published === '') return null;
  const publishedRange = portRange(published);
  if (typeof publishedRange === 'string') return publishedRange;
  return rangeMismatch(publishedRange, targetRange);
}

/** A container port range needs a host range of the same length (a single target takes any host range). */
function rangeMismatch(published: { low: number; high: number }, target: { low: number; high: number }): string | null {
  if (target.high === target.low) return null;
  return published.high - published.low === target.high - target.low ? null : `the host range has ${published.high - published.low + 1} ports but the container range ${target.high - target.low + 1}`;
}

function isRecord(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks one Compose file's data (interpolated, not yet schema-checked) against the value grammars; `alreadyReported` values (an unset variable) are skipped. */
export function checkComposeGrammar(data: unknown, locations: LocationMap, alreadyReported?: (keyPath: KeyPath) => boolean): GrammarFindings {
  const checker = new GrammarChecker(locations, alreadyReported);
  checker.everywhere(data, []);
  if (!isRecord(data)) return checker;
  if (isRecord(data.services)) {
    for (const [name, service] of Object.entries(data.services)) if (isRecord(service)) checker.service(service, ['services', name]);
  }
  if (isRecord(data.networks)) {
    for (const [name, network] of Object.entries(data.networks)) if (isRecord(network)) checker.network(network, ['networks', name]);
  }
  if (isRecord(data.volumes)) {
    for (const [name, volume] of Object.entries(data.volumes)) if (isRecord(volume)) checker.labels(volume.labels, ['volumes', name, 'labels']);
  }
  return checker;
}

/** Checks an environment file's data (not yet schema-checked): variables, capability names, the telemetry address. */
export function checkEnvironmentGrammar(data: unknown, locations: LocationMap): GrammarFindings {
  const checker = new GrammarChecker(locations);
  checker.everywhere(data, []);
  if (!isRecord(data)) return checker;
  if (isRecord(data.variables)) {
    for (const [name, value] of Object.entries(data.variables)) {
      if (value === null) checker.problem(['variables', name], `variable ${name} has no value (null)`, 'Give it a value; write "" for an empty one.');
    }
  }
  const policy = isRecord(data.policy) ? data.policy : {};
  const security = isRecord(policy.security) ? policy.security : {};
  checker.stringList(security.allowed_capabilities, ['policy', 'security', 'allowed_capabilities'], (c) => capabilityProblem(c, true), 'Write Linux capability names such as NET_ADMIN or CHOWN (capabilities(7)).');
  checker.stringList(security.cap_drop, ['policy', 'security', 'cap_drop'], (c) => capabilityProblem(c, true), 'Write Linux capability names such as NET_ADMIN or CHOWN, or ALL (capabilities(7)).');
  const telemetry = isRecord(policy.telemetry) ? policy.telemetry : {};
  checker.stringValue(telemetry.listen, ['policy', 'telemetry', 'listen'], listenProblem, 'Write host:port with a port from 1 to 65535, such as 127.0.0.1:9464.');
  return checker;
}

function listenProblem(listen: string): string | null {
  const colon = listen.lastIndexOf(':');
  if (colon <= 0) return `"${printable(listen)}" is not host:port`;
  const host = listen.slice(0, colon);
  const port = portRange(listen.slice(colon + 1));
  if (typeof port === 'string' || port.low !== port.high) return typeof port === 'string' ? port : `"${printable(listen)}" names a range, not one port`;
  return ipProblem(host) === null || hostnameProblem(host) === null ? null : `"${printable(host)}" is not a host name or IP address`;
}

/** Takes the key paths `findings` named out of `data` (in place); a service keeps its entry, emptied of the key. */
export function pruneFindings(data: unknown, findings: GrammarFindings): void {
  for (const keyPath of findings.prune) {
    if (keyPath.length === 0) continue;
    let parent: unknown = data;
    for (const segment of keyPath.slice(0, -1)) parent = isRecord(parent) || Array.isArray(parent) ? (parent as Record<string | number, unknown>)[segment] : undefined;
    const last = keyPath[keyPath.length - 1]!;
    if (isRecord(parent)) delete parent[String(last)];
  }
}
