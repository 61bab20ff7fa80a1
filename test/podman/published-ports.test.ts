import { describe, expect, it } from 'vitest';
import { parsePsEntry } from '../../src/podman/podman-json.js';
import { formatPort, formatUptime } from '../../src/cli/ps-command.js';

describe('published ports of a ps entry', () => {
  it("reads Podman's shape (CLI and libpod API) and Docker's, and leaves exposed-only ports out", () => {
    const podman = parsePsEntry({ Id: 'c', Names: ['web'], State: 'running', Ports: [{ host_ip: '', container_port: 8080, host_port: 18080, range: 1, protocol: 'tcp' }, { host_ip: '127.0.0.1', container_port: 53, host_port: 5353, range: 2, protocol: 'udp' }] });
    expect(podman.ports).toEqual([
      { hostIp: '', hostPort: 18080, containerPort: 8080, range: 1, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, range: 2, protocol: 'udp' },
    ]);
    expect(parsePsEntry({ Id: 'c', Names: ['web'], Ports: [{ IP: '0.0.0.0', PublicPort: 80, PrivatePort: 8080, Type: 'tcp' }, { PrivatePort: 9000, Type: 'tcp' }] }).ports).toEqual([{ hostIp: '0.0.0.0', hostPort: 80, containerPort: 8080, range: 1, protocol: 'tcp' }]);
    // No ports: the field stays absent, so snapshots and their comparisons are as before.
    expect('ports' in parsePsEntry({ Id: 'c', Names: ['web'], Ports: null })).toBe(false);
  });

  it('prints them and uptimes as docker compose ps does', () => {
    expect(formatPort({ hostIp: '', hostPort: 18080, containerPort: 8080, range: 1, protocol: 'tcp' })).toBe('0.0.0.0:18080->8080/tcp');
    expect(formatPort({ hostIp: '::1', hostPort: 5353, containerPort: 53, range: 2, protocol: 'udp' })).toBe('[::1]:5353-5354->53-54/udp');
    expect([5, 125, 3 * 3600, 3 * 3600 + 300, 2 * 86400 + 4 * 3600].map(formatUptime)).toEqual(['5s', '2m', '3h', '3h5m', '2d4h']);
  });
});
