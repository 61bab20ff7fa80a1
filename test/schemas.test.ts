import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SURFACE_COMPOSE } from './support/compose-surface.js';
import { EDITOR_SCHEMAS, editorSchema } from '../src/editor/editor-schema.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function loadSchema(file: string): JsonObject {
  const text = readFileSync(new URL(`../schemas/${file}`, import.meta.url), 'utf8');
  return JSON.parse(text) as JsonObject;
}

const composeSchema = loadSchema('compose.schema.json');
const environmentSchema = loadSchema('environment.schema.json');

// The options the manifest loader uses.
const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: false, useDefaults: false });
const validateCompose: ValidateFunction = ajv.compile(composeSchema);
const validateEnvironment: ValidateFunction = ajv.compile(environmentSchema);

interface Outcome {
  readonly valid: boolean;
  readonly errors: readonly ErrorObject[];
}

function check(validate: ValidateFunction, yamlText: string): Outcome {
  const data: unknown = parse(yamlText);
  const valid = validate(data);
  return { valid, errors: validate.errors ?? [] };
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const HYDRA_COMPOSE = `
version: "3.8"
name: phoenix-hydra
include:
  - ../commons/compose.yaml
  - path: [db/compose.yaml, db/override.yaml]
    project_directory: db
    env_file: db/.env
x-common-labels: &labels
  com.phoenix.stack: hydra

services:
  gateway:
    image: nginx:1.27-alpine
    container_name: hydra-gateway
    command: ["nginx", "-g", "daemon off;"]
    entrypoint: /docker-entrypoint.sh
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443/tcp"
      - "[::1]:9443:443"
      - 9000
      - target: 81
        published: "8081"
        host_ip: 0.0.0.0
        protocol: tcp
    volumes:
      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro
      - type: bind
        source: ./nginx/conf.d
        target: /etc/nginx/conf.d
        read_only: true
        bind:
          create_host_path: false
          selinux: Z
      - type: tmpfs
        target: /var/cache/nginx
        tmpfs:
          size: 64m
    networks:
      frontend:
        aliases: [gateway, www]
        ipv4_address: 172.28.0.10
      backend:
    depends_on:
      api:
        condition: service_healthy
        required: true
        restart: true
    healthcheck:
      test: curl -fsS http://localhost/healthz || exit 1
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 10s
      start_interval: 2s
    restart: unless-stopped
    labels: *labels
    cap_add: [NET_BIND_SERVICE]
    cap_drop: [ALL]
    security_opt: [no-new-privileges]
    read_only: true
    tmpfs: [/run, /tmp]
    stop_signal: SIGQUIT
    stop_grace_period: 15s
    extra_hosts:
      - "host.internal:10.0.0.1"
      - "metrics=10.0.0.2"
    x-notes: terminates TLS

  api:
    image: ghcr.io/phoenix/hydra-api:2.3.1
    command: ./hydra serve --port 3000
    environment:
      DATABASE_URL: postgres://hydra@db:5432/hydra
      LOG_LEVEL: info
      WORKERS: 4
      DEBUG: false
      PASSTHROUGH:
    env_file:
      - .env.api
      - path: .env.local
        required: false
    networks: [backend]
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
    secrets:
      - api_token
      - source: db_password
        target: /run/secrets/pg_password
        uid: "1000"
        gid: 1000
        mode: "0440"
    configs:
      - api_settings
      - source: motd
        target: /etc/motd
        uid: "1000"
        gid: 1000
        mode: "0444"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:3000/healthz"]
      interval: 1m30s
    restart: on-failure:5
    labels:
      - com.phoenix.role=api
    user: "1000:1000"
    working_dir: /app
    hostname: hydra-api
    userns_mode: keep-id
    init: true
    deploy:
      replicas: "3"
      resources:
        limits:
          cpus: "1.5"
          memory: 512M
    extra_hosts:
      registry.internal: 10.0.0.3

  migrate:
    image: ghcr.io/phoenix/hydra-api:2.3.1
    entrypoint: ["./hydra", "migrate"]
    command: null
    environment:
      - DATABASE_URL=postgres://hydra@db:5432/hydra
      - LOG_LEVEL
    env_file: .env.api
    depends_on: [db]
    restart: "no"
    networks:
      - backend

  db:
    image: postgres:15
    environment:
      POSTGRES_DB: hydra
      POSTGRES_USER: hydra
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    volumes:
      - pgdata:/var/lib/postgresql/data
      - type: volume
        source: pgbackup
        target: /backup
    secrets: [db_password]
    networks:
      backend:
        aliases: [postgres]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U hydra -d hydra"]
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 30s
    restart: always
    deploy:
      resources:
        limits:
          cpus: 2
          memory: 1073741824
    stop_grace_period: 1m

  debug:
    image: docker.io/library/busybox:1.36
    extends:
      file: common.yaml
      service: tools
    profiles: [debug]
    command: [sleep, 3600]
    network_mode: "service:api"
    privileged: false
    scale: 0
    healthcheck:
      disable: true

networks:
  frontend:
    driver: bridge
    driver_opts:
      mtu: 1400
    ipam:
      config:
        - subnet: 172.28.0.0/16
    labels:
      com.phoenix.net: frontend
    x-purpose: public
  backend:
    internal: true
  shared:
    external: true
    name: shared-proxy

volumes:
  pgdata:
    driver: local
    driver_opts:
      type: none
      o: bind
      device: /srv/hydra/pgdata
    labels: [com.phoenix.backup=daily]
    x-backup: daily
  pgbackup:
  legacy:
    external: true
    name: hydra_legacy_data

secrets:
  db_password:
    file: ./secrets/db_password.txt
    x-rotation: 90d
  api_token:
    environment: HYDRA_API_TOKEN
  tls_cert:
    external: true
    name: hydra-tls

configs:
  api_settings:
    file: ./api/settings.toml
    x-owner: api team
  motd:
    content: "Welcome to Hydra"
  flags:
    environment: HYDRA_FLAGS
  shared:
    external: true
    name: hydra-shared-config
`;

const HYDRA_ENVIRONMENT = `
# yaml-language-server: $schema=../schemas/environment.schema.json
project: phoenix-hydra
compose:
  - compose/phoenix-hydra.yaml
  - overlays/prod.yaml
profiles: [monitoring]
dotenv:
  - .env
  - .env.prod
variables:
  LOG_LEVEL: info
  HTTP_PORT: 8080
  ENABLE_METRICS: true
secrets:
  db_password:
    file: secrets/prod/db_password.txt
  api_token:
    environment: HYDRA_API_TOKEN
policy:
  prune: true
  resync_interval: 5m
  health:
    max_restarts: 5
    window: 10m
    backoff:
      initial: 1s
      max: 300
      multiplier: 2.5
  security:
    allow_privileged: false
    allow_host_network: false
    allowed_capabilities: [NET_BIND_SERVICE]
    allowed_host_paths: [./nginx, /srv/hydra]
x-owner: platform-team
`;

describe('compose.schema.json', () => {
  it('accepts the full Phoenix Hydra stack', () => {
    const { valid, errors } = check(validateCompose, HYDRA_COMPOSE);
    expect(errors).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is exercised completely by the Hydra stack (every declared key is used)', () => {
    const doc = parse(HYDRA_COMPOSE) as JsonObject;
    const definitions = composeSchema['definitions'] as JsonObject;
    const declared = (definition: string): string[] =>
      Object.keys((definitions[definition] as JsonObject)['properties'] as JsonObject);
    const used = (section: string): Set<string> => {
      const keys = new Set<string>();
      for (const entry of Object.values(doc[section] as JsonObject)) {
        if (isObject(entry)) for (const key of Object.keys(entry)) keys.add(key);
      }
      return keys;
    };
    expect(Object.keys(composeSchema['properties'] as JsonObject).filter((k) => !(k in doc))).toEqual([]);
    // The Hydra stack runs pulled images; build and pull_policy are exercised by test/build-manifest.test.ts.
    const notInHydra = new Set(['build', 'pull_policy']);
    // The keys added for the Compose surface (issue 8) are exercised by SURFACE_COMPOSE and
    // test/manifest/compose-surface.test.ts instead, and the network keys there too.
    const surface = parse(SURFACE_COMPOSE) as JsonObject;
    const surfaceKeys = (section: string): string[] => Object.values(surface[section] as JsonObject).flatMap((entry) => (isObject(entry) ? Object.keys(entry) : []));
    const elsewhere: Record<string, string[]> = {
      services: surfaceKeys('services'),
      networks: ['enable_ipv6', 'enable_ipv4', 'attachable'],
      volumes: [],
      secrets: [],
    };
    for (const [definition, section] of [
      ['service', 'services'],
      ['network', 'networks'],
      ['volume', 'volumes'],
      ['secret', 'secrets'],
      ['config', 'configs'],
    ] as const) {
      const keys = new Set([...used(section), ...(elsewhere[section] ?? [])]);
      expect(declared(definition).filter((key) => !keys.has(key) && !notInHydra.has(key)), definition).toEqual([]);
    }
  });

  it('coerces integers given as strings (interpolated values)', () => {
    const data = parse(HYDRA_COMPOSE) as JsonObject;
    expect(validateCompose(data)).toBe(true);
    const api = (data['services'] as JsonObject)['api'] as JsonObject;
    expect((api['deploy'] as JsonObject)['replicas']).toBe(3);
  });

  it('rejects an unsupported service key with additionalProperties', () => {
    const { valid, errors } = check(
      validateCompose,
      `services:\n  web:\n    image: nginx\n    frobnicate: .\n`,
    );
    expect(valid).toBe(false);
    expect(errors).toContainEqual(
      expect.objectContaining({
        keyword: 'additionalProperties',
        instancePath: '/services/web',
        params: { additionalProperty: 'frobnicate' },
      }),
    );
  });

  it('rejects unknown top-level keys and invalid service names', () => {
    const { valid, errors } = check(
      validateCompose,
      `swarm_configs: {}\nservices:\n  "my web":\n    image: nginx\n`,
    );
    expect(valid).toBe(false);
    const extra = errors
      .filter((e) => e.keyword === 'additionalProperties')
      .map((e) => `${e.instancePath}:${String(e.params['additionalProperty'])}`);
    expect(extra).toEqual([':swarm_configs', '/services:my web']);
  });

  it('accepts x- extension keys at top level, in services and in network/volume/secret definitions', () => {
    const { valid, errors } = check(
      validateCompose,
      `
x-foo: {anything: [1, 2]}
services:
  web:
    image: nginx
    x-foo: bar
networks:
  net:
    x-foo: 1
volumes:
  data:
    x-foo: true
secrets:
  token:
    file: token.txt
    x-foo: null
`,
    );
    expect(errors).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a bad restart value', () => {
    for (const restart of ['sometimes', 'on-failure:x', 'never']) {
      const { valid, errors } = check(validateCompose, `services:\n  web:\n    image: nginx\n    restart: ${restart}\n`);
      expect(valid, restart).toBe(false);
      expect(errors.map((e) => e.instancePath)).toEqual(['/services/web/restart']);
    }
  });

  it('rejects a bad depends_on condition, a duration without unit and a bad port', () => {
    const { valid, errors } = check(
      validateCompose,
      `
services:
  web:
    image: nginx
    ports: ["80:80:80:80"]
    depends_on:
      db:
        condition: service_ready
    healthcheck:
      interval: 10
`,
    );
    expect(valid).toBe(false);
    expect(errors.map((e) => `${e.instancePath} ${e.keyword}`).sort()).toEqual([
      '/services/web/depends_on/db/condition enum',
      '/services/web/healthcheck/interval pattern',
      '/services/web/ports/0 pattern',
    ]);
  });

  it('rejects inline secret content in a compose file', () => {
    const { valid, errors } = check(validateCompose, `secrets:\n  token:\n    content: hunter2\n`);
    expect(valid).toBe(false);
    expect(errors).toContainEqual(
      expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'content' } }),
    );
  });
});

describe('environment.schema.json', () => {
  it('accepts a realistic environment file', () => {
    const { valid, errors } = check(validateEnvironment, HYDRA_ENVIRONMENT);
    expect(errors).toEqual([]);
    expect(valid).toBe(true);
  });

  it('accepts a minimal environment file', () => {
    expect(check(validateEnvironment, `project: demo\ncompose: [compose.yaml]\n`).valid).toBe(true);
  });

  it('requires project and at least one compose file', () => {
    const missing = check(validateEnvironment, `dotenv: [.env]\n`);
    expect(missing.errors.filter((e) => e.keyword === 'required').map((e) => e.params['missingProperty'])).toEqual([
      'project',
      'compose',
    ]);
    expect(check(validateEnvironment, `project: demo\ncompose: []\n`).valid).toBe(false);
    expect(check(validateEnvironment, `project: Demo\ncompose: [a.yaml]\n`).valid).toBe(false);
  });

  it('rejects a secret with both file and environment', () => {
    const { valid, errors } = check(
      validateEnvironment,
      `project: demo\ncompose: [c.yaml]\nsecrets:\n  s:\n    file: s.txt\n    environment: S\n`,
    );
    expect(valid).toBe(false);
    // Neither the file nor the environment shape (each takes one key), nor an encrypted one.
    expect(errors.map((e) => `${e.instancePath} ${e.keyword}`)).toContain('/secrets/s oneOf');
  });

  it('rejects a secret with neither file nor environment', () => {
    const { valid, errors } = check(validateEnvironment, `project: demo\ncompose: [c.yaml]\nsecrets:\n  s: {}\n`);
    expect(valid).toBe(false);
    expect(errors.map((e) => `${e.instancePath} ${e.keyword}`)).toEqual(expect.arrayContaining(['/secrets/s minProperties', '/secrets/s oneOf']));
  });

  it('rejects an inline secret value', () => {
    const { valid, errors } = check(
      validateEnvironment,
      `project: demo\ncompose: [c.yaml]\nsecrets:\n  s:\n    value: hunter2\n`,
    );
    expect(valid).toBe(false);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          keyword: 'additionalProperties',
          instancePath: '/secrets/s',
          params: { additionalProperty: 'value' },
        }),
      ]),
    );
  });

  it('accepts age and SOPS sources with exactly one age key, and refuses them without one or mixed', () => {
    const env = (source: string) => check(validateEnvironment, `project: demo\ncompose: [c.yaml]\nsecrets:\n  s:\n${source}`).valid;
    expect(env('    age: s.age\n    key_file: k.txt\n')).toBe(true);
    expect(env('    sops: s.yaml\n    key: db.password\n    key_environment: SOPS_AGE_KEY\n')).toBe(true);
    expect(env('    age: s.age\n')).toBe(false);
    expect(env('    age: s.age\n    key_file: k.txt\n    key_environment: K\n')).toBe(false);
    expect(env('    sops: s.yaml\n    key_file: k.txt\n')).toBe(false);
    expect(env('    age: s.age\n    key: x\n    key_file: k.txt\n')).toBe(false);
    expect(env('    file: s.txt\n    key_file: k.txt\n')).toBe(false);
  });

  it('rejects unknown keys, bad durations and a multiplier below 1', () => {
    const { valid, errors } = check(
      validateEnvironment,
      `
project: demo
compose: [c.yaml]
interval: 5m
policy:
  resync_interval: 5 minutes
  health:
    backoff:
      multiplier: 0.5
`,
    );
    expect(valid).toBe(false);
    expect(errors.map((e) => `${e.instancePath} ${e.keyword}`).sort()).toEqual([
      ' additionalProperties',
      '/policy/health/backoff/multiplier minimum',
      '/policy/resync_interval pattern',
    ]);
  });
});

/** Every place a schema declares a property (or map value) whose schema has no description. */
function undocumented(schema: Json, path: string, out: string[]): string[] {
  if (Array.isArray(schema)) {
    schema.forEach((item, i) => undocumented(item, `${path}[${i}]`, out));
    return out;
  }
  if (!isObject(schema)) return out;
  for (const keyword of ['properties', 'patternProperties', 'definitions']) {
    const children = schema[keyword];
    if (!isObject(children)) continue;
    for (const [name, child] of Object.entries(children)) {
      const childPath = `${path}/${keyword}/${name}`;
      if (keyword !== 'definitions' && !(isObject(child) && typeof child['description'] === 'string')) {
        out.push(childPath);
      }
      undocumented(child, childPath, out);
    }
  }
  const additional = schema['additionalProperties'];
  if (isObject(additional)) {
    if (typeof additional['description'] !== 'string') out.push(`${path}/additionalProperties`);
    undocumented(additional, `${path}/additionalProperties`, out);
  }
  for (const keyword of ['items', 'additionalItems', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else']) {
    const sub = schema[keyword];
    if (sub !== undefined) undocumented(sub, `${path}/${keyword}`, out);
  }
  return out;
}

describe('schema documentation', () => {
  it.each([
    ['compose.schema.json', composeSchema],
    ['environment.schema.json', environmentSchema],
    ['editor/compose.schema.json', loadSchema('editor/compose.schema.json')],
    ['editor/environment.schema.json', loadSchema('editor/environment.schema.json')],
  ])('%s describes every property', (_file, schema) => {
    expect(undocumented(schema, '#', [])).toEqual([]);
    expect(typeof schema['description']).toBe('string');
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('every definition has a description', () => {
    for (const schema of [composeSchema, environmentSchema]) {
      for (const [name, definition] of Object.entries(schema['definitions'] as JsonObject)) {
        expect(isObject(definition) && typeof definition['description'] === 'string', name).toBe(true);
      }
    }
  });
});

describe('schemas/editor/ (the editor form)', () => {
  it.each(EDITOR_SCHEMAS)('$target is generated from $source by the build (npm run build rewrites it)', ({ source, target, interpolated }) => {
    const onDisk = loadSchema(target);
    expect(onDisk).toEqual(editorSchema(loadSchema(source), { interpolated }));
    expect(onDisk['$id']).not.toBe(loadSchema(source)['$id']);
  });

  it('leaves the load-time schema strict: an interpolation the editor accepts is refused after interpolation', () => {
    const editorAjv = new Ajv({ allErrors: true, strict: false });
    const validateEditor = editorAjv.compile(loadSchema('editor/compose.schema.json'));
    const text = `services:\n  web:\n    image: nginx\n    ports: ["\${PORT:-8080}:80"]\n    deploy:\n      replicas: \${REPLICAS:-1}\n    read_only: \${RO:-false}\n`;
    expect(check(validateEditor, text).errors).toEqual([]);
    const strict = check(validateCompose, text);
    expect(strict.errors.map((e) => e.instancePath).sort()).toEqual(['/services/web/deploy/replicas', '/services/web/ports/0', '/services/web/read_only']);
  });

  it('still refuses unknown keys and wrong literals in the editor form', () => {
    const editorAjv = new Ajv({ allErrors: true, strict: false });
    const validateEditor = editorAjv.compile(loadSchema('editor/compose.schema.json'));
    const { errors } = check(validateEditor, `services:\n  web:\n    imgae: nginx\n    restart: sometimes\n    deploy:\n      replicas: many\n`);
    expect(errors.filter((e) => e.keyword === 'additionalProperties').map((e) => e.params['additionalProperty'])).toEqual(['imgae']);
    expect(new Set(errors.map((e) => e.instancePath))).toEqual(new Set(['/services/web', '/services/web/restart', '/services/web/deploy/replicas']));
  });
});
