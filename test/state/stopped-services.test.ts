import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetStoppedServices, readStoppedServices, writeStoppedServices } from '../../src/state/stopped-services.js';

const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-stopped-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the record of services stopped with phoenix stop', () => {
  it('is kept per project and environment, and an empty record removes the entry', () => {
    const dir = stateDir();
    expect(readStoppedServices(dir, 'app', 'dev')).toEqual({});
    expect(writeStoppedServices(dir, 'app', 'dev', { web: 'T1' })).toEqual({});
    writeStoppedServices(dir, 'app', 'prod', { db: 'T2' });
    expect(readStoppedServices(dir, 'app', 'dev')).toEqual({ web: 'T1' });
    expect(readStoppedServices(dir, 'app', 'prod')).toEqual({ db: 'T2' });
    expect(writeStoppedServices(dir, 'app', 'dev', {})).toEqual({ web: 'T1' });
    expect(JSON.parse(readFileSync(path.join(dir, 'stopped-services.json'), 'utf8'))).toEqual({ 'app/prod': { db: 'T2' } });
    expect(statSync(path.join(dir, 'stopped-services.json')).mode & 0o777).toBe(0o600);
  });

  it('forgets some services (restart) or all of an environment (down)', () => {
    const dir = stateDir();
    writeStoppedServices(dir, 'app', 'dev', { web: 'T1', db: 'T1', worker: 'T1' });
    forgetStoppedServices(dir, 'app', 'dev', ['web']);
    expect(readStoppedServices(dir, 'app', 'dev')).toEqual({ db: 'T1', worker: 'T1' });
    forgetStoppedServices(dir, 'app', 'dev', 'all');
    expect(readStoppedServices(dir, 'app', 'dev')).toEqual({});
  });

  it('reads a damaged file as nothing stopped (services run: the safe reading)', () => {
    const dir = stateDir();
    writeFileSync(path.join(dir, 'stopped-services.json'), '{not json');
    expect(readStoppedServices(dir, 'app', 'dev')).toEqual({});
    writeFileSync(path.join(dir, 'stopped-services.json'), JSON.stringify({ 'app/dev': { web: 5, db: 'T' } }));
    expect(readStoppedServices(dir, 'app', 'dev')).toEqual({ db: 'T' });
  });
});
