/**
 * How `depends_on` carries over. Kubernetes starts pods in no order, so only one condition has a
 * faithful translation: `service_completed_successfully` on a one-shot service (restart: "no")
 * becomes an init container of the dependent pod (and gets no workload of its own), which then starts only after the one-shot
 * exited 0, on every pod start. `service_healthy` and `service_started` become nothing: a
 * Service sends traffic only to pods whose readiness probe passes, and the dependent must retry
 * until its dependency answers (docs/kubernetes.md).
 */
import type { DesiredService } from '../model/desired.js';
import type { ExportTarget } from './export-target.js';
import type { WarningList } from './export-warning.js';

/**
 * A service that runs once and stays exited: restart "no" and awaited by another service with
 * service_completed_successfully. (restart "no" alone is Compose's default, so it says nothing
 * about a server that simply never set it.)
 */
export function isOneShot(service: DesiredService, services: readonly DesiredService[]): boolean {
  return service.spec.restart === 'no' && services.some((s) => s.dependsOn.some((d) => d.service === service.name && d.condition === 'service_completed_successfully'));
}

/**
 * The one-shot services each service runs as init containers, dependencies first (a one-shot's
 * own one-shot dependencies before it), by service name; empty for the podman target, where
 * init containers of a restartPolicy: Always pod restart forever (Podman before 4.6).
 */
export function initChains(services: readonly DesiredService[], target: ExportTarget): Map<string, DesiredService[]> {
  const byName = new Map(services.map((s) => [s.name, s]));
  const chains = new Map<string, DesiredService[]>();
  if (target === 'podman') return chains;
  const chainOf = (service: DesiredService, seen: Set<string>): DesiredService[] => {
    const chain: DesiredService[] = [];
    for (const dependency of service.dependsOn) {
      const other = byName.get(dependency.service);
      if (dependency.condition !== 'service_completed_successfully' || other === undefined || !isOneShot(other, services) || seen.has(other.name)) continue;
      for (const inner of [...chainOf(other, new Set([...seen, other.name])), other]) {
        if (!chain.includes(inner)) chain.push(inner);
      }
    }
    return chain;
  };
  for (const service of services) chains.set(service.name, chainOf(service, new Set([service.name])));
  return chains;
}

/** The one-shots that run as some other service's init container (and so get no workload of their own). */
export function consumedOneShots(chains: ReadonlyMap<string, DesiredService[]>, services: readonly DesiredService[]): Set<string> {
  const consumed = new Set<string>();
  for (const service of services) {
    // A one-shot's own chain runs inside whoever consumes it.
    if (isOneShot(service, services) && [...chains.values()].some((chain) => chain.includes(service))) consumed.add(service.name);
  }
  return consumed;
}

/** Warns for every dependency condition the export cannot carry over, saying what replaces it. */
export function reportDependencies(services: readonly DesiredService[], chains: ReadonlyMap<string, DesiredService[]>, target: ExportTarget, warnings: WarningList): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const service of services) {
    for (const dependency of service.dependsOn) {
      const key = `depends_on.${dependency.service}`;
      const other = byName.get(dependency.service);
      if (dependency.condition === 'service_completed_successfully') {
        if (other !== undefined && !isOneShot(other, services)) {
          warnings.add(service.name, key, `service_completed_successfully not translated: ${dependency.service} restarts (restart: ${other.spec.restart}), so it is a long-running workload, not a step that completes.`);
        } else if (target === 'podman') {
          warnings.add(
            service.name,
            key,
            `service_completed_successfully not translated for podman kube play: ${dependency.service} is its own pod (restartPolicy: Never) played before this one, but nothing waits for it to exit 0 (Podman before 4.6 restarts init containers of a restartPolicy: Always pod forever; containers/podman#16343).`,
          );
        }
        continue;
      }
      const how = dependency.condition === 'service_healthy' ? `its Service sends traffic only once its readiness probe passes` : 'nothing orders the two';
      warnings.add(service.name, key, `${dependency.condition} not translated: Kubernetes starts pods in no order; ${how}, so ${service.name} must retry until ${dependency.service} answers.`);
    }
  }
  for (const service of services.filter((s) => isOneShot(s, services))) {
    const consumers = services.filter((s) => chains.get(s.name)?.includes(service) === true && !isOneShot(s, services));
    if (consumers.length > 1) {
      warnings.add(service.name, 'restart', `runs as an init container of ${consumers.map((s) => s.name).join(', ')}: once per pod start of each, not once per apply; it must be safe to repeat.`);
    }
  }
}
