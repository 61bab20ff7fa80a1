/**
 * The environment of the processes Phoenix spawns (podman, its API service, git): only what
 * they need, never the whole of Phoenix's. A secret given to Phoenix as an environment variable
 * (a secret's `environment:` source) would otherwise sit in the environment of every podman
 * process, and of the API service that outlives Phoenix, readable in /proc/PID/environ.
 * Secret values reach podman only through the standard input of `podman secret create`.
 */

/** Variables passed through by name. */
const NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TERM',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'XDG_STATE_HOME',
  'DBUS_SESSION_BUS_ADDRESS',
  'REGISTRY_AUTH_FILE',
  'DOCKER_CONFIG',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'STORAGE_DRIVER',
  'STORAGE_OPTS',
  'CONTAINER_HOST',
  'CONTAINER_CONNECTION',
  'CONTAINER_SSHKEY',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSH_AUTH_SOCK',
]);

/** Variables passed through by prefix: locale, Podman's and containers' own, buildah's, git's. */
const PREFIXES = ['LC_', 'CONTAINERS_', 'PODMAN_', 'BUILDAH_', 'GIT_'];

/** The part of `env` a spawned podman or git needs (see the module comment). */
export function childEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (NAMES.has(key) || PREFIXES.some((prefix) => key.startsWith(prefix)))) out[key] = value;
  }
  return out;
}
