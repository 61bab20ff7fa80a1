import type { ComposeWorkaround } from './docker-compose-reference.js';

/**
 * The corpus: public compose files as their projects publish them, each in its own folder under
 * test/fixtures/compose/ with a SOURCE file (repository, path, commit, licence, and the companion
 * files Phoenix added so that the file loads: an `.env`, an env_file, a build context, a secret's
 * source). The Phoenix Hydra repository's compose files are under hydra/, which mirrors that
 * repository so that their `../..` paths resolve as they do there.
 */
export interface CorpusCase {
  /** Unique, used in test names and in the lists below. */
  readonly name: string;
  /** Folder under test/fixtures/compose/. */
  readonly folder: string;
  /** The compose file, relative to the folder. */
  readonly file: string;
  /** Profiles enabled, as `--profile` (docker-compose) and `COMPOSE_PROFILES` (Phoenix). */
  readonly profiles?: readonly string[];
  /** Where docker-compose 1.29 cannot read the file as written (see ComposeWorkaround). */
  readonly composeWorkarounds?: readonly ComposeWorkaround[];
}

const DROP_NAME: ComposeWorkaround = { kind: 'drop-top-level-name' };

export const CORPUS: readonly CorpusCase[] = [
  // Official samples (docker/awesome-compose)
  { name: 'awesome-compose/elasticsearch-logstash-kibana', folder: 'awesome-compose/elasticsearch-logstash-kibana', file: 'compose.yaml' },
  { name: 'awesome-compose/gitea-postgres', folder: 'awesome-compose/gitea-postgres', file: 'compose.yaml' },
  { name: 'awesome-compose/nextcloud-redis-mariadb', folder: 'awesome-compose/nextcloud-redis-mariadb', file: 'docker-compose.yaml' },
  { name: 'awesome-compose/nginx-golang-postgres', folder: 'awesome-compose/nginx-golang-postgres', file: 'compose.yaml' },
  { name: 'awesome-compose/pihole-cloudflared-doh', folder: 'awesome-compose/pihole-cloudflared-doh', file: 'compose.yaml' },
  { name: 'awesome-compose/portainer', folder: 'awesome-compose/portainer', file: 'docker-compose.yaml' },
  { name: 'awesome-compose/prometheus-grafana', folder: 'awesome-compose/prometheus-grafana', file: 'compose.yaml' },
  { name: 'awesome-compose/react-java-mysql', folder: 'awesome-compose/react-java-mysql', file: 'compose.yaml' },
  // Self-hosted applications and stacks
  { name: 'airflow', folder: 'airflow', file: 'docker-compose.yaml' },
  { name: 'authentik', folder: 'authentik', file: 'docker-compose.yml' },
  { name: 'docker-elk', folder: 'docker-elk', file: 'docker-compose.yml' },
  { name: 'docker-mailserver', folder: 'docker-mailserver', file: 'compose.yaml' },
  {
    name: 'immich',
    folder: 'immich',
    file: 'docker-compose.yml',
    composeWorkarounds: [
      DROP_NAME,
      {
        kind: 'replace-text',
        from: '${EXPOSE_PORT-:2283:2283}',
        to: '2283:2283',
        reason: "1.29's schema refuses the port ':2283:2283' (an empty host address), which the engine and Compose v2 read as 2283:2283 on every address",
      },
    ],
  },
  { name: 'loki', folder: 'loki', file: 'docker-compose.yaml' },
  { name: 'mastodon', folder: 'mastodon', file: 'docker-compose.yml' },
  { name: 'mastodon-devcontainer', folder: 'mastodon-devcontainer', file: '.devcontainer/docker-compose.yml' },
  { name: 'minio', folder: 'minio', file: 'docker-compose.yaml' },
  { name: 'n8n-hosting', folder: 'n8n-hosting', file: 'docker-compose.yml' },
  { name: 'netbox-docker', folder: 'netbox-docker', file: 'docker-compose.yml' },
  { name: 'nextcloud-docker', folder: 'nextcloud-docker', file: 'compose.yaml' },
  { name: 'open-webui', folder: 'open-webui', file: 'docker-compose.yaml' },
  {
    name: 'outline',
    folder: 'outline',
    file: 'docker-compose.yml',
    composeWorkarounds: [
      {
        kind: 'replace-text',
        from: '    env_file:\n      - path: .env\n        required: false\n',
        to: '',
        reason: '1.29 knows only the string form of env_file; the long form with `required: false` and no .env file means no env file at all',
      },
    ],
  },
  { name: 'paperless-ngx/mariadb', folder: 'paperless-ngx/mariadb', file: 'docker-compose.mariadb.yml' },
  { name: 'paperless-ngx/postgres-tika', folder: 'paperless-ngx/postgres-tika', file: 'docker-compose.postgres-tika.yml' },
  { name: 'penpot', folder: 'penpot', file: 'docker-compose.yaml' },
  { name: 'plausible', folder: 'plausible', file: 'compose.yml' },
  // The repository's own .env enables this profile (COMPOSE_PROFILES=feature-complete).
  { name: 'sentry-self-hosted', folder: 'sentry-self-hosted', file: 'docker-compose.yml', profiles: ['feature-complete'] },
  { name: 'traefik', folder: 'traefik', file: 'docker-compose.yml' },
  { name: 'uptime-kuma', folder: 'uptime-kuma', file: 'compose.yaml' },
  { name: 'wg-easy', folder: 'wg-easy', file: 'docker-compose.yml' },
  { name: 'zammad', folder: 'zammad', file: 'docker-compose.yml' },
  // The Phoenix Hydra repository (Phoenixai36/PhoenixDemiGod-System): every compose file in it
  { name: 'hydra/compose.yaml', folder: 'hydra', file: 'compose.yaml' },
  { name: 'hydra/podman-compose.yml', folder: 'hydra', file: 'podman-compose.yml' },
  { name: 'hydra/infra/podman/compose.yaml', folder: 'hydra', file: 'infra/podman/compose.yaml', composeWorkarounds: [DROP_NAME] },
  { name: 'hydra/infra/podman/compose-full-models.yaml', folder: 'hydra', file: 'infra/podman/compose-full-models.yaml' },
  { name: 'hydra/infra/podman/compose.secrets.yaml', folder: 'hydra', file: 'infra/podman/compose.secrets.yaml' },
  { name: 'hydra/infra/podman/observability.compose.yaml', folder: 'hydra', file: 'infra/podman/observability.compose.yaml', composeWorkarounds: [DROP_NAME] },
  { name: 'hydra/infra/podman/podman-compose.yaml', folder: 'hydra', file: 'infra/podman/podman-compose.yaml', composeWorkarounds: [DROP_NAME] },
  { name: 'hydra/misc/infra/podman/model-downloader-compose.yaml', folder: 'hydra', file: 'misc/infra/podman/model-downloader-compose.yaml' },
  { name: 'hydra/misc/infra/podman/observability.compose.yaml', folder: 'hydra', file: 'misc/infra/podman/observability.compose.yaml', composeWorkarounds: [DROP_NAME] },
  { name: 'hydra/misc/infra/podman/phoenix-hugger-mega-compose.yaml', folder: 'hydra', file: 'misc/infra/podman/phoenix-hugger-mega-compose.yaml' },
];

/**
 * Files that are broken as published: both docker-compose and Phoenix must refuse them, Phoenix
 * with this code. (They are kept because the issue counts them: "those that are valid YAML".)
 */
export const BROKEN_UPSTREAM: Readonly<Record<string, { readonly why: string; readonly phoenixCode: string; readonly dockerCompose: RegExp }>> = {
  'hydra/infra/podman/compose-full-models.yaml': {
    why: "not valid YAML: a Python script inside a folded `command: >` starts at column 1 (line 169), which ends the scalar",
    phoenixCode: 'PHX-YAML-SYNTAX',
    dockerCompose: /ScannerError|could not find expected ':'/,
  },
  'awesome-compose/prometheus-grafana': {
    why: 'prometheus mounts both ./etc/prometheus and the volume prom_data on /prometheus',
    phoenixCode: 'PHX-INVALID-VALUE',
    dockerCompose: /Duplicate mount points/,
  },
};

/**
 * Files Phoenix refuses today because a feature of issue 8 has not landed yet, with exactly the
 * refusals it gives (`CODE key`, sorted). The test asserts that each still fails with exactly
 * these: when a feature lands the assertion fails, and the file moves to the passing set (or its
 * list shrinks to what is still missing). Empty: every other corpus file validates and plans.
 */
export const WAITING_FOR_FEATURE: Readonly<Record<string, { readonly feature: string; readonly refusals: readonly string[] }>> = {};
