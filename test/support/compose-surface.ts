/**
 * A compose file that uses every service key added for the Compose surface (issue 8), with
 * values Podman 4.3.1 accepts on this machine; shared by the loader, mapping and schema tests.
 */
export const SURFACE_COMPOSE = `services:
  web:
    image: localhost/phoenix-demo/busybox:1
    shm_size: 128m
    ulimits:
      nofile: {soft: 1024, hard: 2048}
      nproc: 4096
    dns: 10.0.0.53
    dns_search: [example.internal]
    dns_opt: [ndots:2]
    sysctls:
      net.core.somaxconn: 1024
    devices:
      - /dev/null:/dev/phx-null:rwm
      - {source: /dev/zero, target: /dev/phx-zero, permissions: r}
    device_cgroup_rules: ["c 1:3 mr"]
    logging:
      driver: json-file
      options:
        max-size: 10m
    stdin_open: true
    tty: true
    platform: linux/amd64
    pid: service:db
    ipc: private
    uts: private
    cgroup: private
    cgroup_parent: phoenix-surface
    group_add: [100, audio]
    mem_limit: 64m
    memswap_limit: 128m
    mem_reservation: 32m
    mem_swappiness: 10
    cpus: 0.5
    cpu_shares: 512
    cpu_quota: 50ms
    cpu_period: 100000
    cpu_rt_period: 1000000
    cpu_rt_runtime: 0
    cpuset: "0"
    pids_limit: 100
    oom_score_adj: 100
    oom_kill_disable: true
    mac_address: 92:D0:C6:0A:29:33
    annotations: [io.example/owner=ops]
    runtime: runc
    expose: [8080, "9000/udp"]
    blkio_config:
      weight: 300
      device_read_bps: [{path: /dev/sda, rate: 1mb}]
    links: [db:database]
    external_links: [shared-cache]
    volumes_from: ["db:ro"]
    label_file: web.labels
    labels: {tier: front}
    tmpfs: /run:rw,noexec,nosuid,size=64k,mode=1777
    attach: false
    develop:
      watch: [{path: ., action: rebuild}]
  db:
    image: localhost/phoenix-demo/busybox:1
    deploy:
      resources:
        limits: {pids: 50}
        reservations: {memory: 16m}
`;

/** The label file web's label_file names. */
export const SURFACE_FILES = { 'web.labels': '# labels\nfrom.file=yes\ntier=overridden\n' };
