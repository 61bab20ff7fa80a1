/**
 * Who plays the export. `cluster` (the default): a Kubernetes cluster, through kubectl, Argo CD
 * or Flux. `podman`: `podman kube play` on one host, which plays Pods, Deployments,
 * PersistentVolumeClaims, ConfigMaps and Secrets but ignores Services, StatefulSets and Jobs
 * (Podman 4.3), so the same environment is written in the kinds it plays (docs/kubernetes.md).
 */
export type ExportTarget = 'cluster' | 'podman';

/** The values `--target` takes. */
export const EXPORT_TARGETS: readonly ExportTarget[] = ['cluster', 'podman'];
