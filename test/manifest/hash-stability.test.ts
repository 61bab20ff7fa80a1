/**
 * Config-hash stability across the Compose-surface work (issue 8): a manifest that uses none of
 * the new keys keeps, for every container and network, the config hash it had before they
 * existed (computed on main at 19e22c3 and pinned here), so upgrading Phoenix recreates nothing.
 */
import { describe, expect, it } from 'vitest';
import { desiredFrom } from '../support/load-fixture.js';

const COMPOSE = `services:
  web:
    image: localhost/phoenix-demo/busybox:1
    command: ["httpd", "-f", "-p", "8080"]
    entrypoint: /bin/sh -c
    environment:
      LOG_LEVEL: debug
    env_file: web.env
    labels:
      tier: front
    ports: ["8080:8080", "127.0.0.1:9000:9000/udp"]
    volumes:
      - data:/data
      - ./site:/site:ro
      - /cache
    tmpfs: /run:size=64m
    networks:
      front:
        aliases: [www]
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost:8080/"]
      interval: 5s
    restart: on-failure:3
    user: "1000:1000"
    working_dir: /site
    hostname: web
    extra_hosts: ["gateway:10.0.0.1"]
    init: true
    read_only: true
    cap_add: [NET_BIND_SERVICE]
    cap_drop: [ALL]
    security_opt: [no-new-privileges]
    deploy:
      resources:
        limits:
          cpus: "0.5"
          memory: 64m
    stop_signal: SIGINT
    stop_grace_period: 3s
  db:
    image: localhost/phoenix-demo/busybox:1
    healthcheck:
      test: ["CMD-SHELL", "true"]
networks:
  front:
    driver_opts:
      mtu: 1400
    ipam:
      config:
        - subnet: 10.89.7.0/24
    labels: [a=b]
volumes:
  data:
`;

const ENVIRONMENT = 'project: app\ncompose: [compose.yaml]\npolicy:\n  security:\n    allowed_capabilities: [NET_BIND_SERVICE]\n    allowed_host_paths: [/fixture]\n';

describe('config hashes of manifests without the new keys are unchanged', () => {
  const desired = desiredFrom(COMPOSE, { files: { 'web.env': 'A=1\n' }, environment: ENVIRONMENT });

  it('containers', () => {
    expect(Object.fromEntries(desired.services.map((s) => [s.name, s.configHash]))).toEqual({
      db: 'bbd8c599dac28f62d405753310658c17880de9e96fbbc9e62873fbe9a3a40006',
      web: '5296d6270024ebea8b51bf240c7dc655d92f018e579509f734b616b810911ff0',
    });
  });

  it('networks', () => {
    expect(Object.fromEntries(desired.networks.map((n) => [n.name, n.configHash]))).toEqual({
      default: '09a9a879977417feaefe7195cdb12b19ed9da0c7e64af7972cae41f46f34a5a7',
      front: 'c80cbc9a8bcabf125c5fa1ba0112a110ccb3ea677aa7b40fcc7e1e9b01b6e382',
    });
  });
});
