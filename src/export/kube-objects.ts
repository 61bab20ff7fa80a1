/** The kinds of object the Kubernetes export writes. */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';

/** One exported object (every one has metadata.name). */
export type KubeObject = IDeployment | IStatefulSet | IPod | IService | IPersistentVolumeClaim | IConfigMap | ISecret;

/** The name of an exported object. */
export function objectName(object: KubeObject): string {
  return object.metadata?.name ?? '';
}
