import { describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../src/model/desired.js';
import { changeNotes, displayValue, renderChangeNote } from '../../src/plan/change-notes.js';
import type { FieldChange } from '../../src/plan/actions.js';

/** Only the part of a spec changeNotes reads (the secret mounts). */
const spec = { secrets: [{ secret: 'db_password', podmanName: 'shop-db_password-0123456789ab', digest: 'd', target: '/run/secrets/db_password', uid: '0', gid: '0', mode: 0o400 }] } as unknown as ContainerSpec;

describe('change notes', () => {
  it('shows a value change as before→after and a secret only by name', () => {
    const changes: FieldChange[] = [
      { op: 'replace', path: 'environment.LOG_LEVEL', before: 'info', after: 'debug', sensitive: false },
      { op: 'replace', path: 'secrets[0].digest', sensitive: true },
      { op: 'replace', path: 'secrets[0].podmanName', sensitive: true },
      { op: 'add', path: 'ports[1]', after: '8443:443', sensitive: false },
    ];
    const notes = changeNotes(spec, changes);
    expect(notes.map(renderChangeNote)).toEqual(['environment.LOG_LEVEL info→debug', 'ports[1] +8443:443', 'secret db_password rotated']);
    expect(JSON.stringify(notes)).not.toContain('0123456789ab');
  });

  it('names an added or removed mount as such', () => {
    expect(changeNotes(spec, [{ op: 'add', path: 'secrets[0]', sensitive: true }]).map(renderChangeNote)).toEqual(['secret db_password added']);
    expect(changeNotes(spec, [{ op: 'remove', path: 'secrets[1]', sensitive: true }]).map(renderChangeNote)).toEqual(['secret #1 removed']);
  });

  it('cuts long values and keeps them on one line', () => {
    expect(displayValue('a'.repeat(100))).toHaveLength(60);
    expect(displayValue('a'.repeat(100)).endsWith('…')).toBe(true);
    expect(displayValue(['sh', '-c', 'echo\n  hi'])).toBe('["sh","-c","echo\\n  hi"]');
    expect(displayValue('two\nlines')).toBe('two lines');
  });
});
