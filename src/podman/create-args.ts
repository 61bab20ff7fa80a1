/**
 * The podman command lines for creating objects: one function per object kind, pure, so the
 * flag mapping is tested without Podman. Nothing here is passed through a shell, and no
 * secret value ever appears: containers get secrets by name (`--secret`).
 */
import type { ConfigMount, ContainerSpec, DesiredNetwork, DesiredVolume, HealthCheckSpec, Mount, PortMapping, SecretMount } from '../model/desired.js';
import type { ContainerIntent } from '../plan/actions.js';
import { optionArgs } from './option-flags.js';

/** Go's time.ParseDuration reads milliseconds exactly; no rounding to seconds. */
export function goDuration(ms: number): string {
  return `${Math.max(0, Math.round(ms))}ms`;
}

function labelArgs(labels: Readonly<Record<string, string>>): string[] {
  return Object.keys(labels)
    .sort()
    .flatMap((key) => ['--label', `${key}=${labels[key] ?? ''}`]);
}

/** `[hostIp:][published:]target/protocol`; an IPv6 host address goes in brackets. */
export function publishArg(port: PortMapping): string {
  const target = `${port.target}/${port.protocol}`;
  const hostIp = port.hostIp.includes(':') && !port.hostIp.startsWith('[') ? `[${port.hostIp}]` : port.hostIp;
  if (hostIp === '') return port.published === '' ? target : `${port.published}:${target}`;
  return `${hostIp}:${port.published}:${target}`;
}

/** One mount as podman flags. `--mount` is used where `-v` would be ambiguous (anonymous, read-only). */
export function mountArgs(mount: Mount): string[] {
  switch (mount.type) {
    case 'volume': {
      const options = [...(mount.readOnly ? ['ro'] : []), ...(mount.noCopy === true ? ['nocopy'] : [])];
      return ['--volume', `${mount.source}:${mount.target}${options.length > 0 ? `:${options.join(',')}` : ''}`];
    }
    case 'bind': {
      const options = [...(mount.readOnly ? ['ro'] : []), ...(mount.selinux === '' ? [] : [mount.selinux]), ...(mount.propagation === undefined ? [] : [mount.propagation])];
      return ['--volume', `${mount.source}:${mount.target}${options.length > 0 ? `:${options.join(',')}` : ''}`];
    }
    case 'anonymous':
      return ['--mount', `type=volume,destination=${mount.target}${mount.readOnly ? ',ro=true' : ''}`];
    case 'tmpfs': {
      const options = [...(mount.options ?? []), ...(mount.sizeBytes === null ? [] : [`size=${mount.sizeBytes}`])];
      return ['--tmpfs', options.length === 0 ? mount.target : `${mount.target}:${options.join(',')}`];
    }
  }
}

/**
 * `--network NAME:alias=a,alias=b,ip=x` per attachment (Podman 4 syntax), or the one
 * network mode (host, none, container:NAME, ...) when it is not a bridge.
 */
export function networkArgs(spec: Pick<ContainerSpec, 'networkMode' | 'networks'>): string[] {
  if (spec.networkMode !== 'bridge' && spec.networkMode !== '') return ['--network', spec.networkMode];
  return spec.networks.flatMap((attachment) => {
    const options = [
      ...attachment.aliases.map((alias) => `alias=${alias}`),
      ...(attachment.ipv4Address === null ? [] : [`ip=${attachment.ipv4Address}`]),
      ...(attachment.ipv6Address === undefined ? [] : [`ip6=${attachment.ipv6Address}`]),
      ...(attachment.macAddress === undefined ? [] : [`mac=${attachment.macAddress}`]),
      ...(attachment.interfaceName === undefined ? [] : [`interface_name=${attachment.interfaceName}`]),
    ];
    return ['--network', options.length === 0 ? attachment.network : `${attachment.network}:${options.join(',')}`];
  });
}

/**
 * `CMD` form: the argv as a JSON array (Podman runs it without a shell); `CMD-SHELL`: the
 * string (Podman runs it with /bin/sh -c). Podman 4.3 has no start interval.
 */
export function healthArgs(check: HealthCheckSpec): string[] {
  const [kind, ...rest] = check.test;
  const command = kind === 'CMD' ? JSON.stringify(rest) : kind === 'CMD-SHELL' ? rest.join(' ') : JSON.stringify(check.test);
  const args = ['--health-cmd', command];
  if (check.intervalMs > 0) args.push('--health-interval', goDuration(check.intervalMs));
  if (check.timeoutMs > 0) args.push('--health-timeout', goDuration(check.timeoutMs));
  if (check.retries > 0) args.push('--health-retries', String(check.retries));
  if (check.startPeriodMs > 0) args.push('--health-start-period', goDuration(check.startPeriodMs));
  return args;
}

/** Podman 4.3 reads `mode` as octal; target may be absolute (else it is under /run/secrets). */
export function secretArg(secret: SecretMount | ConfigMount): string {
  return `${secret.podmanName},type=mount,target=${secret.target},uid=${secret.uid},gid=${secret.gid},mode=0${secret.mode.toString(8)}`;
}

function restartArg(spec: ContainerSpec): string {
  if (spec.restart === 'on-failure' && spec.restartMaxRetries > 0) return `on-failure:${spec.restartMaxRetries}`;
  return spec.restart;
}

function repeat(flag: string, values: readonly string[]): string[] {
  return values.flatMap((value) => [flag, value]);
}

/** `podman create ...` for a container, every ContainerSpec field mapped; the image is pulled only when missing. */
export function containerCreateArgs(intent: ContainerIntent, name: string = intent.name): string[] {
  return containerArgs(['create'], intent, name);
}

/**
 * `podman run <runFlags> ...` with the same mapping as {@link containerCreateArgs}: a one-off
 * job (`phoenix run`) gets exactly the container an apply would create from its spec.
 */
export function containerRunArgs(intent: ContainerIntent, name: string, runFlags: readonly string[]): string[] {
  return containerArgs(['run', ...runFlags], intent, name);
}

function containerArgs(verb: readonly string[], intent: ContainerIntent, name: string): string[] {
  const spec = intent.spec;
  // The OCI runtime is a global option of podman; the container keeps it for every later start.
  const args = [...(spec.runtime === undefined ? [] : ['--runtime', spec.runtime]), ...verb, '--name', name, '--pull', 'missing'];
  // The intent's labels (ownership, config hash) win over the user's labels of the same key.
  args.push(...labelArgs({ ...spec.labels, ...intent.labels }));
  args.push(...Object.keys(spec.environment).sort().flatMap((key) => ['--env', `${key}=${spec.environment[key] ?? ''}`]));
  args.push(...spec.ports.flatMap((port) => ['--publish', publishArg(port)]));
  args.push(...spec.mounts.flatMap(mountArgs));
  args.push(...networkArgs(spec));
  if (spec.healthcheck !== null) args.push(...healthArgs(spec.healthcheck));
  args.push('--restart', restartArg(spec));
  if (spec.user !== null) args.push('--user', spec.user);
  if (spec.workingDir !== null) args.push('--workdir', spec.workingDir);
  if (spec.hostname !== null) args.push('--hostname', spec.hostname);
  args.push(...repeat('--add-host', spec.extraHosts));
  if (spec.init) args.push('--init');
  if (spec.readOnly) args.push('--read-only');
  if (spec.privileged) args.push('--privileged');
  args.push(...repeat('--cap-add', spec.capAdd), ...repeat('--cap-drop', spec.capDrop), ...repeat('--security-opt', spec.securityOpt));
  if (spec.usernsMode !== null) args.push('--userns', spec.usernsMode);
  if (spec.cpus !== null) args.push('--cpus', String(spec.cpus));
  if (spec.memoryBytes !== null) args.push('--memory', String(spec.memoryBytes));
  if (spec.stopSignal !== null) args.push('--stop-signal', spec.stopSignal);
  args.push('--stop-timeout', String(spec.stopGracePeriodSeconds));
  args.push(...spec.secrets.flatMap((secret) => ['--secret', secretArg(secret)]));
  // Configs are Podman secrets mounted as files, exactly as secrets are (see build-configs.ts).
  args.push(...(spec.configs ?? []).flatMap((config) => ['--secret', secretArg(config)]));
  args.push(...optionArgs(spec));
  if (spec.entrypoint !== null) args.push('--entrypoint', JSON.stringify(spec.entrypoint));
  args.push(spec.image);
  if (spec.command !== null) args.push(...spec.command);
  return args;
}

/**
 * `podman network create` with driver, options, internal, IPv6, IPAM driver, subnets (each
 * with its gateway and allocation range) and labels. Podman pairs the n-th `--gateway` and
 * `--ip-range` with the n-th `--subnet`, so subnets with a gateway come first, then those with
 * only a range; the loader refuses the layouts this order cannot express.
 */
export function networkCreateArgs(network: DesiredNetwork): string[] {
  const args = ['network', 'create', '--driver', network.driver];
  for (const key of Object.keys(network.options).sort()) args.push('--opt', `${key}=${network.options[key] ?? ''}`);
  if (network.internal) args.push('--internal');
  if (network.ipv6 === true) args.push('--ipv6');
  if (network.ipamDriver !== undefined) args.push('--ipam-driver', network.ipamDriver);
  const subnets = orderedSubnets(network);
  args.push(...repeat('--subnet', subnets));
  args.push(...repeat('--gateway', subnets.flatMap((subnet) => network.gateways?.[subnet] ?? [])));
  args.push(...repeat('--ip-range', subnets.flatMap((subnet) => network.ipRanges?.[subnet] ?? [])));
  args.push(...labelArgs(network.labels), network.podmanName);
  return args;
}

/**
 * Subnets in the order Podman's positional pairing needs: with a gateway and a range, with a
 * gateway only, with a range only, then the rest. (A gateway-only and a range-only subnet in
 * one network cannot be expressed; the loader refuses that.)
 */
export function orderedSubnets(network: Pick<DesiredNetwork, 'subnets' | 'gateways' | 'ipRanges'>): string[] {
  const rank = (subnet: string): number => (network.gateways?.[subnet] === undefined ? 2 : 0) + (network.ipRanges?.[subnet] === undefined ? 1 : 0);
  return [...network.subnets].sort((a, b) => rank(a) - rank(b));
}

/** `podman volume create` with driver, options and labels. */
export function volumeCreateArgs(volume: DesiredVolume): string[] {
  const args = ['volume', 'create', '--driver', volume.driver];
  for (const key of Object.keys(volume.driverOpts).sort()) args.push('--opt', `${key}=${volume.driverOpts[key] ?? ''}`);
  args.push(...labelArgs(volume.labels), volume.podmanName);
  return args;
}
