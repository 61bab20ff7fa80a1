/**
 * Kubernetes names from Phoenix names. Compose allows `_` and upper case in service, volume and
 * secret names; Kubernetes object names are DNS labels (RFC 1123: lower case, digits, `-`, at
 * most 63 characters), and Service names must also start with a letter (RFC 1035).
 */

/** The RFC 1123 label a name becomes: lower case, `_` and `.` as `-`, trimmed to 63 characters. */
export function dnsLabel(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return label === '' ? 'x' : label;
}

/** A Service name (RFC 1035 label): as dnsLabel, and starting with a letter. */
export function serviceName(name: string): string {
  const label = dnsLabel(name);
  return /^[a-z]/.test(label) ? label : dnsLabel(`s-${label}`);
}

/** A label value: at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric. */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** A key of a Secret's or ConfigMap's data (`[-._a-zA-Z0-9]+`). */
export function dataKey(name: string): string {
  const key = name.replace(/[^-._a-zA-Z0-9]+/g, '-');
  return key === '' ? 'value' : key;
}
