/**
 * The recommended app.kubernetes.io labels on every exported object: a Service selects its
 * pods by name and instance, so two environments of one project in one namespace stay apart.
 */
import { labelValue } from './kube-names.js';

/** The labels a service's pods are selected by. */
export function selectorLabels(project: string, environment: string, service: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': labelValue(service),
    'app.kubernetes.io/instance': labelValue(`${project}-${environment}`),
  };
}

/** Every label an exported object carries; `service` null for environment-wide objects (volumes, configs, secrets). */
export function objectLabels(project: string, environment: string, service: string | null): Record<string, string> {
  return {
    ...(service === null ? { 'app.kubernetes.io/instance': labelValue(`${project}-${environment}`) } : selectorLabels(project, environment, service)),
    'app.kubernetes.io/part-of': labelValue(project),
    'app.kubernetes.io/managed-by': 'phoenix',
  };
}
