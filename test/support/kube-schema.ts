/**
 * Validates exported objects against the Kubernetes JSON schemas that the `kubernetes-models`
 * package ships (generated from the Kubernetes OpenAPI spec; 5.x: Kubernetes 1.36), with ajv,
 * offline. The schemas check types, required fields and enums; the names are checked here
 * against the API server's name rules, which no schema holds.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { KubeObject } from '../../src/export/kube-objects.js';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The model class that validates an object of this kind. */
function modelOf(object: KubeObject): { validate(): void } {
  switch (object.kind) {
    case 'Deployment':
      return new Deployment(object);
    case 'StatefulSet':
      return new StatefulSet(object);
    case 'Pod':
      return new Pod(object);
    case 'Service':
      return new Service(object);
    case 'PersistentVolumeClaim':
      return new PersistentVolumeClaim(object);
    case 'ConfigMap':
      return new ConfigMap(object);
    case 'Secret':
      return new Secret(object);
  }
}

/** Every problem with the objects (schema errors and invalid names), one line each; empty when all are valid. */
export function kubeSchemaProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const name = object.metadata?.name ?? '';
    const where = `${object.kind}/${name}`;
    try {
      modelOf(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const rule = object.kind === 'Service' ? DNS_1035_LABEL : DNS_1123_LABEL;
    if (!rule.test(name) || name.length > 63) problems.push(`${where}: the name is not a valid ${object.kind === 'Service' ? 'RFC 1035' : 'RFC 1123'} label`);
    const pod = object.kind === 'Pod' ? object.spec : object.kind === 'Deployment' || object.kind === 'StatefulSet' ? object.spec?.template.spec : undefined;
    for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      if (!DNS_1123_LABEL.test(container.name)) problems.push(`${where}: container name ${container.name} is not a valid label`);
    }
    for (const volume of pod?.volumes ?? []) {
      if (!DNS_1123_LABEL.test(volume.name)) problems.push(`${where}: volume name ${volume.name} is not a valid label`);
    }
  }
  return problems;
}
