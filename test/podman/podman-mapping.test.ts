/**
 * The pure parts of the Podman door: flag mapping, image references, JSON parsing (fixtures
 * copied from Podman 4.3.1's real output) and error classification.
 */
import { describe, expect, it } from 'vitest';
import { containerCreateArgs, healthArgs, networkCreateArgs, publishArg, secretArg, volumeCreateArgs } from '../../src/podman/create-args.js';
import { normalizeImageRef, resolveImageRefs } from '../../src/podman/image-ref.js';
import { classifyPodmanFailure, podmanMessage } from '../../src/podman/podman-error.js';
import { healthFromStatus, parseJsonList, parsePsEntry, parseSecretInspect, parseSecretListEntry } from '../../src/podman/podman-json.js';
import { containerIntent, desiredNetwork, desiredVolume } from '../support/podman-fixtures.js';

describe('containerCreateArgs', () => {
  it('maps every ContainerSpec field to its podman flag', () => {
    const args = containerCreateArgs(
      containerIntent(
        'p-web-1',
        {
          image: 'nginx',
          entrypoint: ['/bin/sh', '-c'],
          command: ['echo "$HOME"', '--not-a-flag'],
          environment: { B: '2', A: 'x=y' },
          labels: { 'io.phoenix.service': 'user-value', tier: 'web' },
          ports: [{ hostIp: '127.0.0.1', published: '8000-8001', target: '80-81', protocol: 'udp' }],
          mounts: [
            { type: 'volume', source: 'p-data', target: '/data', readOnly: true },
            { type: 'bind', source: '/srv/conf', target: '/conf', readOnly: true, selinux: 'Z', createHostPath: false },
            { type: 'anonymous', target: '/cache', readOnly: false },
            { type: 'tmpfs', target: '/scratch', sizeBytes: 1048576 },
          ],
          networks: [
            { network: 'p-back', aliases: ['db', 'primary'], ipv4Address: '10.1.0.5' },
            { network: 'p-front', aliases: [], ipv4Address: null },
          ],
          healthcheck: { test: ['CMD', 'wget', '-q', 'http://x/'], intervalMs: 2000, timeoutMs: 1500, retries: 3, startPeriodMs: 500, startIntervalMs: 0 },
          restart: 'on-failure',
          restartMaxRetries: 5,
          user: '65534:65534',
          workingDir: '/app',
          hostname: 'web',
          extraHosts: ['db.local:10.0.0.9'],
          init: true,
          readOnly: true,
          privileged: true,
          capAdd: ['NET_ADMIN'],
          capDrop: ['ALL'],
          securityOpt: ['no-new-privileges:true'],
          usernsMode: 'keep-id',
          cpus: 0.5,
          memoryBytes: 67108864,
          stopSignal: 'SIGINT',
          stopGracePeriodSeconds: 7,
          secrets: [{ secret: 'token', podmanName: 'p-token-ab12', digest: 'd', target: '/run/secrets/token', uid: '65534', gid: '0', mode: 0o400 }],
        },
        { 'io.phoenix.service': 'web' },
      ),
      'p-web-1-next',
    );
    expect(args).toEqual([
      'create', '--name', 'p-web-1-next', '--pull', 'missing',
      '--label', 'io.phoenix.service=web', '--label', 'tier=web',
      '--env', 'A=x=y', '--env', 'B=2',
      '--publish', '127.0.0.1:8000-8001:80-81/udp',
      '--volume', 'p-data:/data:ro',
      '--volume', '/srv/conf:/conf:ro,Z',
      '--mount', 'type=volume,destination=/cache',
      '--tmpfs', '/scratch:size=1048576',
      '--network', 'p-back:alias=db,alias=primary,ip=10.1.0.5',
      '--network', 'p-front',
      '--health-cmd', '["wget","-q","http://x/"]', '--health-interval', '2000ms', '--health-timeout', '1500ms', '--health-retries', '3', '--health-start-period', '500ms',
      '--restart', 'on-failure:5',
      '--user', '65534:65534', '--workdir', '/app', '--hostname', 'web', '--add-host', 'db.local:10.0.0.9',
      '--init', '--read-only', '--privileged',
      '--cap-add', 'NET_ADMIN', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true',
      '--userns', 'keep-id', '--cpus', '0.5', '--memory', '67108864',
      '--stop-signal', 'SIGINT', '--stop-timeout', '7',
      '--secret', 'p-token-ab12,type=mount,target=/run/secrets/token,uid=65534,gid=0,mode=0400',
      '--entrypoint', '["/bin/sh","-c"]',
      'nginx', 'echo "$HOME"', '--not-a-flag',
    ]);
  });

  it('uses one network mode instead of attachments, and leaves the image its own command', () => {
    const args = containerCreateArgs(containerIntent('c', { networkMode: 'host', command: null, networks: [] }));
    expect(args).toContain('host');
    expect(args.at(-1)).toBe('localhost/phoenix-demo/busybox:1');
    expect(containerCreateArgs(containerIntent('c', { networkMode: 'container:other' }))).toEqual(expect.arrayContaining(['--network', 'container:other']));
  });

  it('publishes with and without host address or host port, IPv6 in brackets', () => {
    expect(publishArg({ hostIp: '', published: '', target: '80', protocol: 'tcp' })).toBe('80/tcp');
    expect(publishArg({ hostIp: '', published: '8080', target: '80', protocol: 'tcp' })).toBe('8080:80/tcp');
    expect(publishArg({ hostIp: '127.0.0.1', published: '', target: '80', protocol: 'tcp' })).toBe('127.0.0.1::80/tcp');
    expect(publishArg({ hostIp: '::1', published: '8080', target: '80', protocol: 'tcp' })).toBe('[::1]:8080:80/tcp');
  });

  it('gives a CMD-SHELL check as the string, and secret modes in octal', () => {
    expect(healthArgs({ test: ['CMD-SHELL', 'curl -f x || exit 1'], intervalMs: 0, timeoutMs: 0, retries: 0, startPeriodMs: 0, startIntervalMs: 0 })).toEqual(['--health-cmd', 'curl -f x || exit 1']);
    expect(secretArg({ secret: 's', podmanName: 'n', digest: 'd', target: '/etc/app/key', uid: '0', gid: '0', mode: 0o444 })).toBe('n,type=mount,target=/etc/app/key,uid=0,gid=0,mode=0444');
  });

  it('creates networks and volumes with driver, options, subnets and labels', () => {
    expect(networkCreateArgs(desiredNetwork('p-net', { internal: true, subnets: ['10.9.0.0/24'], options: { mtu: '1400' }, labels: { a: 'b' } }))).toEqual([
      'network', 'create', '--driver', 'bridge', '--opt', 'mtu=1400', '--internal', '--subnet', '10.9.0.0/24', '--label', 'a=b', 'p-net',
    ]);
    expect(volumeCreateArgs(desiredVolume('p-vol', { driverOpts: { type: 'tmpfs', device: 'tmpfs' }, labels: { a: 'b' } }))).toEqual([
      'volume', 'create', '--driver', 'local', '--opt', 'device=tmpfs', '--opt', 'type=tmpfs', '--label', 'a=b', 'p-vol',
    ]);
  });
});

describe('image references', () => {
  it('normalises short names the way Podman stores them', () => {
    expect(normalizeImageRef('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImageRef('nginx:1.25')).toBe('docker.io/library/nginx:1.25');
    expect(normalizeImageRef('bitnami/redis')).toBe('docker.io/bitnami/redis:latest');
    expect(normalizeImageRef('docker.io/nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImageRef('localhost/x:1')).toBe('localhost/x:1');
    expect(normalizeImageRef('registry:5000/team/app')).toBe('registry:5000/team/app:latest');
    expect(normalizeImageRef('quay.io/a/b@sha256:abc')).toBe('quay.io/a/b@sha256:abc');
  });

  it('resolves each requested reference to an image id, or null', () => {
    const images = [
      { id: 'a'.repeat(64), names: ['docker.io/library/nginx:latest'], digests: ['docker.io/library/nginx@sha256:123'] },
      { id: 'b'.repeat(64), names: ['localhost/phoenix-demo/busybox:1'], digests: [] },
    ];
    expect(resolveImageRefs(['nginx', 'nginx@sha256:123', 'localhost/phoenix-demo/busybox:1', 'redis', 'bbbbbbbbbbbb'], images)).toEqual({
      nginx: 'a'.repeat(64),
      'nginx@sha256:123': 'a'.repeat(64),
      'localhost/phoenix-demo/busybox:1': 'b'.repeat(64),
      redis: null,
      bbbbbbbbbbbb: 'b'.repeat(64),
    });
  });
});

describe('parsing Podman 4.3 JSON', () => {
  it('reads a `podman ps -a --format json` entry, zero times as null', () => {
    const [created, exited] = parseJsonList(
      JSON.stringify([
        { Id: 'c1', Names: ['web'], Labels: null, State: 'created', ExitCode: 0, Exited: false, ExitedAt: -62135596800, StartedAt: -62135596800, Image: 'i', ImageID: 'iid', Status: 'Created' },
        { Id: 'c2', Names: ['job'], Labels: { a: 'b' }, State: 'exited', ExitCode: 3, Exited: true, ExitedAt: 1795637568, StartedAt: 1795637560, Image: 'i', ImageID: 'iid', Status: 'Exited (3) 2 seconds ago' },
      ]),
      'podman ps',
    ).map(parsePsEntry);
    expect(created).toEqual({ id: 'c1', name: 'web', labels: {}, state: 'created', exitCode: null, image: 'i', imageId: 'iid', startedAt: null, health: 'none', restartCount: 0 });
    expect(exited).toMatchObject({ state: 'exited', exitCode: 3, startedAt: new Date(1795637560 * 1000).toISOString(), labels: { a: 'b' } });
    expect(healthFromStatus('Up 1 second ago (starting)')).toBe('starting');
    expect(healthFromStatus('Up 3 minutes (unhealthy)')).toBe('unhealthy');
    expect(healthFromStatus('Up 3 minutes')).toBe('none');
    // The REST API's container list puts the bare health in the same field.
    expect(healthFromStatus('healthy')).toBe('healthy');
    expect(healthFromStatus('unhealthy')).toBe('unhealthy');
    expect(healthFromStatus('')).toBe('none');
  });

  it('reads `podman secret ls --format {{json .}}` lines (no labels in 4.3) and `secret inspect`', () => {
    const listed = parseJsonList('{"ID":"70bf","Name":"a","Driver":"file"}\n{"ID":"d2f2","Name":"b","Driver":"file"}\n', 'podman secret ls').map(parseSecretListEntry);
    expect(listed.map((s) => [s.id, s.name, s.hasLabels])).toEqual([['70bf', 'a', false], ['d2f2', 'b', false]]);
    const inspected = parseJsonList(JSON.stringify([{ ID: 'd2f2', Spec: { Name: 'b', Driver: { Name: 'file' }, Labels: { k: 'v' } } }]), 'podman secret inspect').map(parseSecretInspect);
    expect(inspected).toEqual([{ id: 'd2f2', name: 'b', labels: { k: 'v' } }]);
  });

  it('refuses output that is not JSON with a PodmanError', () => {
    expect(() => parseJsonList('json', 'podman secret ls')).toThrow(/not JSON/);
  });
});

describe('classifyPodmanFailure', () => {
  const classify = (stderr: string, exitCode = 125) => classifyPodmanFailure({ args: ['create', '--name', 'x', 'img'], exitCode, stderr });

  it.each([
    ['Error: creating container storage: the container name "x" is already in use by 1234. You have to remove that container to be able to reuse that name: that name is already in use', 'PODMAN-NAME-IN-USE'],
    ['Error: phxprobe-sec: secret name in use', 'PODMAN-NAME-IN-USE'],
    ['Error: network name n already used: network already exists', 'PODMAN-NAME-IN-USE'],
    ['Trying to pull phxtest.invalid/x:1...\nError: initializing source docker://phxtest.invalid/x:1: pinging container registry phxtest.invalid: dial tcp: lookup phxtest.invalid: no such host', 'PODMAN-IMAGE-NOT-FOUND'],
    ['Error: short-name "nginx" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"', 'PODMAN-IMAGE-NOT-FOUND'],
    ['Error: unable to start container "ab": cannot listen on the TCP port: listen tcp4 :18998: bind: address already in use', 'PODMAN-PORT-IN-USE'],
    ['Error: writing blob: no space left on device', 'PODMAN-NO-SPACE'],
    ['Error: database is locked', 'PODMAN-STORAGE-LOCKED'],
    ['Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied', 'PODMAN-RUNTIME-SETUP'],
    ['Error: crun: cgroups in hybrid mode not supported, drop all controllers from cgroupv2: OCI runtime error', 'PODMAN-RUNTIME-SETUP'],
    ['Error: cannot setup namespace using "/usr/bin/newuidmap": exit status 1', 'PODMAN-ROOTLESS-IDS'],
    // The rootless set-up failures below were measured on this host (Podman 4.3.1, Debian 12).
    ['Error: /usr/bin/slirp4netns failed: "open(\\"/dev/net/tun\\"): Permission denied\\nWARNING: Support for seccomp is experimental\\nchild failed(1)\\n"', 'PODMAN-ROOTLESS-NETWORK'],
    ['time="2026-12-04T21:12:58Z" level=error msg="XDG_RUNTIME_DIR directory \\"/run\\" is not owned by the current user"', 'PODMAN-ROOTLESS-RUNTIME-DIR'],
    // Podman 4.3.1's own words, seen in test/rootless/setup-errors.test.ts (they were PODMAN-FAILED before).
    ['Error: creating container storage: could not find enough available IDs', 'PODMAN-ROOTLESS-IDS'],
    ['Error: checking slirp4netns binary /nonexistent/slirp4netns: "slirp4netns \\"\\": fork/exec /nonexistent/slirp4netns: no such file or directory": slirp4netns "": fork/exec /nonexistent/slirp4netns: no such file or directory', 'PODMAN-ROOTLESS-NETWORK'],
    ['time="2026-12-04T21:12:59Z" level=error msg="invalid internal status, try resetting the pause process with \\"podman system migrate\\": command required for rootless mode with multiple IDs: exec: \\"newuidmap\\": executable file not found in $PATH"', 'PODMAN-ROOTLESS-IDS'],
    ['Error: writing blob: adding layer with blob "sha256:ab": processing tar file(potentially insufficient UIDs or GIDs available in user namespace (requested 0:42 for /etc/shadow): Check /etc/subuid and /etc/subgid if configured locally and run podman-system-migrate: lchown /etc/shadow: invalid argument): exit status 1', 'PODMAN-ROOTLESS-IDS'],
    ['Error: cannot clone: Operation not permitted', 'PODMAN-NOT-PERMITTED'],
    ['Error: no container with name or ID "ghost" found: no such container', 'PODMAN-NO-SUCH-OBJECT'],
    ['Error: unable to find network with name or ID n: network not found', 'PODMAN-NO-SUCH-OBJECT'],
    ['Error: something new went wrong', 'PODMAN-FAILED'],
  ])('%s → %s', (stderr, code) => {
    const error = classify(stderr);
    expect(error.code).toBe(code);
    expect(error.transient).toBe(code === 'PODMAN-STORAGE-LOCKED');
    expect(error.remediation).toMatch(/\.$/);
  });

  it("puts podman's own error line in the message, past logrus noise", () => {
    const stderr = 'time="2026-11-25T20:12:48Z" level=error msg="unable to get systemd connection"\nError: something new went wrong\nmore';
    expect(podmanMessage(stderr)).toBe('something new went wrong');
    expect(classify(stderr).message).toBe('podman create failed: something new went wrong');
  });

  it('classifies spawn errors, timeouts and cancellations', () => {
    expect(classifyPodmanFailure({ args: ['ps'], exitCode: null, stderr: '', spawnError: { code: 'ENOENT', message: 'spawn podman ENOENT' } }).code).toBe('PODMAN-NOT-INSTALLED');
    const timeout = classifyPodmanFailure({ args: ['ps'], exitCode: null, stderr: '', timedOut: true, timeoutMs: 5 });
    expect([timeout.code, timeout.transient]).toEqual(['PODMAN-TIMEOUT', true]);
    expect(classifyPodmanFailure({ args: ['ps'], exitCode: null, stderr: '', aborted: true }).code).toBe('PODMAN-ABORTED');
  });
});
