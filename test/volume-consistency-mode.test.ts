import { describe, expect, it } from 'vitest';
import { loadFixture } from './support/load-fixture.js';

describe('the short-form bind modes cached, delegated and consistent', () => {
  it('are accepted, ignored with a note at the mount, and leave the mount as without them', () => {
    // From the corpus: mastodon's .devcontainer/docker-compose.yml mounts `../..:/workspaces:cached`.
    const result = loadFixture('services:\n  app:\n    image: busybox\n    volumes:\n      - ./src:/workspaces:ro,cached\n');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const note = result.warnings.find((w) => w.code === 'PHX-KEY-IGNORED');
    expect(note).toMatchObject({ path: 'services.app.volumes[0]', location: { line: 5, column: 9 } });
    expect(note!.message).toContain('cached');
    expect(result.desired.services[0]!.spec.mounts).toEqual([{ type: 'bind', source: '/fixture/environments/src', target: '/workspaces', readOnly: true, selinux: '', createHostPath: true }]);
  });

  it('do not make any other word a mode', () => {
    const result = loadFixture('services:\n  app:\n    image: busybox\n    volumes:\n      - ./src:/workspaces:cashed\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.code)).toEqual(['PHX-INVALID-VALUE']);
  });
});
