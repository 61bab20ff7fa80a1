/**
 * Where the host's containers.conf fix is found: CONTAINERS_CONF wins, then the user's config
 * folder, then /etc/phoenix, then the state directory of older releases.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseContainersConf, containersConfCandidates, userConfigDir } from '../../src/podman/containers-conf.js';
import { podmanEnvironment } from '../../src/podman/podman-runner.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-conf-'));
  dirs.push(dir);
  return dir;
}

describe('the containers.conf fix is a host fact', () => {
  it('is looked for in the user folder, then /etc/phoenix, then the state directory', () => {
    const candidates = containersConfCandidates('/state', { HOME: '/home/u' });
    expect(candidates).toEqual([
      { path: '/home/u/.config/phoenix/containers.conf', source: 'user' },
      { path: '/etc/phoenix/containers.conf', source: 'host' },
      { path: '/state/containers.conf', source: 'state-dir' },
    ]);
    expect(userConfigDir({ HOME: '/home/u', XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/phoenix');
    expect(userConfigDir({ HOME: '/home/u', PHOENIX_CONFIG_DIR: '/mine' })).toBe('/mine');
  });

  it('CONTAINERS_CONF set by the caller wins, and an empty one counts as unset', () => {
    const exists = (): boolean => true;
    expect(chooseContainersConf('/state', { CONTAINERS_CONF: '/x.conf', HOME: '/h' }, exists)).toEqual({ path: '/x.conf', source: 'environment' });
    expect(chooseContainersConf('/state', { CONTAINERS_CONF: '', HOME: '/h' }, exists)?.source).toBe('user');
  });

  it('a fresh state directory still gets the fix from the user folder; an old state-dir fix is still read', () => {
    const config = tempDir();
    const freshState = tempDir();
    const env = { PHOENIX_CONFIG_DIR: config, HOME: tempDir() };
    // Only these temporary folders count: the machine's own /etc/phoenix must not answer for them.
    const onlyHere = (file: string): boolean => (file.startsWith(config) || file.startsWith(freshState)) && existsSync(file);
    expect(chooseContainersConf(freshState, env, onlyHere)).toBeNull();
    writeFileSync(path.join(config, 'containers.conf'), '[engine]\nruntime = "runc"\n');
    expect(podmanEnvironment(freshState, env).CONTAINERS_CONF).toBe(path.join(config, 'containers.conf'));
    expect(chooseContainersConf(freshState, env, onlyHere)).toEqual({ path: path.join(config, 'containers.conf'), source: 'user' });

    const legacyState = tempDir();
    mkdirSync(legacyState, { recursive: true });
    writeFileSync(path.join(legacyState, 'containers.conf'), '[engine]\n');
    const legacyOnly = (file: string): boolean => file.startsWith(legacyState) && existsSync(file);
    expect(chooseContainersConf(legacyState, env, legacyOnly)).toEqual({ path: path.join(legacyState, 'containers.conf'), source: 'state-dir' });
  });
});
