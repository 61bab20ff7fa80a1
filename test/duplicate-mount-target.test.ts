import { describe, expect, it } from 'vitest';
import { loadFixture } from './support/load-fixture.js';

describe('two mounts on one container path', () => {
  it('is refused with the place of the second one, as Compose refuses it ("Duplicate mount points")', () => {
    // From the corpus: docker/awesome-compose prometheus-grafana mounts a folder and a volume on /prometheus.
    const result = loadFixture('services:\n  prometheus:\n    image: prom/prometheus\n    volumes:\n      - prom_data:/prometheus\n      - cache:/prometheus\nvolumes:\n  prom_data:\n  cache:\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ code: 'PHX-INVALID-VALUE', path: 'services.prometheus.volumes[1]', location: { line: 6, column: 9 } });
    expect(result.issues[0]!.message).toContain('/prometheus');
  });

  it('is still how an overlay replaces a mount: by its target, the later file winning', () => {
    const result = loadFixture('services:\n  web:\n    image: nginx\n    volumes:\n      - a:/data\nvolumes:\n  a:\n  b:\n', {
      environment: 'project: app\ncompose: [compose.yaml, overlay.yaml]\n',
      files: { 'overlay.yaml': 'services:\n  web:\n    volumes:\n      - b:/data\n' },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.desired.services[0]!.spec.mounts).toEqual([{ type: 'volume', source: 'app-test-b', target: '/data', readOnly: false }]);
  });
});
