import type { ManifestIssue } from '../model/issue.js';
import type { ComposeDraft } from './compose-draft.js';
import type { NamedFile } from './environment-manifest.js';

/**
 * Checks that need the merged environment and no planning: an environment whose Compose files
 * define no service at all (nothing to run, almost always a wrong file), and a fixed container
 * address on a network that has no subnet to hold it (Podman refuses `--ip` there, after the
 * network and the containers before it were created).
 */
export function checkAddressesAndServices(merged: ComposeDraft, composeFiles: readonly NamedFile[], otherErrors: boolean): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  // With other errors (a file missing, a service left out as invalid) no services is their consequence.
  if (merged.services.size === 0 && composeFiles.length > 0 && !otherErrors) {
    const first = composeFiles[0]!;
    issues.push({ code: 'PHX-SCHEMA', severity: 'error', location: { file: first.display, line: 1, column: 1 }, path: 'services', message: 'the compose files define no services.', remediation: 'Write the services under `services:` (a compose file without them has nothing to run).' });
  }
  for (const service of merged.services.values()) {
    for (const [network, { value, location }] of service.networks ?? []) {
      // (An IPv6 address needs no declared subnet: Podman gives an IPv6 network one of its own.)
      if (value.ipv4Address === null) continue;
      const declared = merged.networks.get(network)?.value;
      if (declared === undefined || declared === 'reset' || declared.external === true) continue;
      if ((declared.subnets ?? []).length === 0) {
        issues.push({ code: 'PHX-INVALID-VALUE', severity: 'error', location, path: `services.${service.name}.networks.${network}`, message: `service "${service.name}" asks for ipv4_address ${value.ipv4Address} on network "${network}", which has no subnet.`, remediation: `Give network "${network}" a subnet under ipam.config (e.g. subnet: 172.28.0.0/16) that holds the address, or remove the address.` });
      }
    }
  }
  return issues;
}
