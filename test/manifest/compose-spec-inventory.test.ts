/**
 * Every key of the Compose Specification has a verdict: accepted by Phoenix's schema
 * (supported, or ignored with a note), or refused with a reason (refused-keys.ts); none is
 * left to the generic "unknown key". The key lists are those of compose-spec/compose-spec
 * schema/compose-spec.json at commit 00655e2222608fa6eaecdf12ac5195889ca2244a.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../src/manifest/refused-keys.js';
import type { KeyContext } from '../../src/manifest/key-context.js';

const SPEC: Record<string, readonly string[]> = {
  top: ['version', 'name', 'include', 'services', 'models', 'networks', 'volumes', 'secrets', 'configs'],
  service: [
    'develop', 'deploy', 'annotations', 'attach', 'build', 'blkio_config', 'cap_add', 'cap_drop', 'cgroup', 'cgroup_parent', 'command', 'configs',
    'container_name', 'cpu_count', 'cpu_percent', 'cpu_shares', 'cpu_quota', 'cpu_period', 'cpu_rt_period', 'cpu_rt_runtime', 'cpus', 'cpuset',
    'credential_spec', 'depends_on', 'device_cgroup_rules', 'devices', 'dns', 'dns_opt', 'dns_search', 'domainname', 'entrypoint', 'env_file',
    'label_file', 'environment', 'expose', 'extends', 'provider', 'external_links', 'extra_hosts', 'gpus', 'group_add', 'healthcheck', 'hostname',
    'image', 'init', 'ipc', 'isolation', 'labels', 'links', 'logging', 'mac_address', 'mem_limit', 'mem_reservation', 'mem_swappiness',
    'memswap_limit', 'network_mode', 'models', 'networks', 'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit', 'platform', 'ports',
    'post_start', 'pre_stop', 'privileged', 'profiles', 'pull_policy', 'pull_refresh_after', 'read_only', 'restart', 'runtime', 'scale',
    'security_opt', 'shm_size', 'secrets', 'sysctls', 'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt', 'tmpfs', 'tty', 'ulimits',
    'use_api_socket', 'user', 'uts', 'userns_mode', 'volumes', 'volumes_from', 'working_dir',
  ],
  deploy: ['mode', 'endpoint_mode', 'replicas', 'labels', 'rollback_config', 'update_config', 'resources', 'restart_policy', 'placement'],
  reservations: ['cpus', 'memory', 'generic_resources', 'devices'],
  network: ['name', 'driver', 'driver_opts', 'ipam', 'external', 'internal', 'enable_ipv4', 'enable_ipv6', 'attachable', 'labels'],
  ipamConfig: ['subnet', 'ip_range', 'gateway', 'aux_addresses'],
  volume: ['name', 'driver', 'driver_opts', 'external', 'labels'],
  secret: ['name', 'environment', 'file', 'external', 'labels', 'driver', 'driver_opts', 'template_driver'],
  port: ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'],
  networkAttachment: ['aliases', 'interface_name', 'ipv4_address', 'ipv6_address', 'link_local_ips', 'mac_address', 'driver_opts', 'priority', 'gw_priority'],
};

type Json = Record<string, unknown>;
const schema = JSON.parse(readFileSync(new URL('../../schemas/compose.schema.json', import.meta.url), 'utf8')) as Json;
const definitions = schema.definitions as Json;
const props = (node: unknown): string[] => Object.keys(((node as Json).properties ?? {}) as Json);
const service = definitions.service as Json;
const accepted: Record<string, string[]> = {
  top: props(schema),
  service: props(service),
  deploy: props(definitions.deploy),
  reservations: props(((((definitions.deploy as Json).properties as Json).resources as Json).properties as Json).reservations),
  network: props(definitions.network),
  ipamConfig: props((((((definitions.network as Json).properties as Json).ipam as Json).properties as Json).config as Json).items),
  volume: props(definitions.volume),
  secret: props(definitions.secret),
  port: props(definitions.port),
  networkAttachment: props(((((service.properties as Json).networks as Json).patternProperties as Json)['^[a-zA-Z0-9._-]+$'])),
};
const manifestDoc = readFileSync(new URL('../../docs/manifest.md', import.meta.url), 'utf8');

describe('every key of the Compose Specification has a verdict', () => {
  for (const [context, keys] of Object.entries(SPEC)) {
    it(`${context}: in the schema or refused with a reason, and in docs/manifest.md`, () => {
      const undecided = keys.filter((key) => !accepted[context]!.includes(key) && refusalOf(context as KeyContext, key) === undefined && !(context === 'secret' && key === 'content'));
      expect(undecided).toEqual([]);
      expect(keys.filter((key) => !new RegExp(`[\`.{,]${key}[\`,}.]`).test(manifestDoc))).toEqual([]);
    });
  }
});
