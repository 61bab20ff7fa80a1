/**
 * What the Kubernetes export could not carry over, and why. The export never drops a setting
 * silently: each one it cannot translate (or translates only in part) is a warning, printed on
 * stderr and listed in `--json` output.
 */
export interface ExportWarning {
  /** The Compose service the setting belongs to; null for an environment-wide setting (a network, a volume). */
  readonly service: string | null;
  /** The manifest key, as written in Compose (`ports`, `healthcheck.start_interval`, `networks.app.ipv4_address`, ...). */
  readonly key: string;
  /** What happened to it and why: what Kubernetes (or `podman kube play`) does instead. */
  readonly message: string;
}

/** Collects warnings in the order they are found. */
export class WarningList {
  private readonly items: ExportWarning[] = [];

  /** Records one warning. */
  add(service: string | null, key: string, message: string): void {
    this.items.push({ service, key, message });
  }

  /** Every warning recorded so far. */
  get all(): readonly ExportWarning[] {
    return this.items;
  }
}

/** One warning as a line: `warning: web: ports: ...`. */
export function formatExportWarning(warning: ExportWarning): string {
  return `warning: ${warning.service === null ? '' : `${warning.service}: `}${warning.key}: ${warning.message}`;
}
