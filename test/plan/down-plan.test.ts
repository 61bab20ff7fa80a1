import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/actions.js';
import { resourceOf } from '../../src/plan/actions.js';
import { planDown } from '../../src/plan/lifecycle.js';
import { plan } from '../../src/plan/plan.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { desiredFrom } from '../support/load-fixture.js';
import { observedFromDesired } from '../support/observed-model.js';

/** A service with a secret and a named volume on the default network: one of each object down removes. */
const APP = `
services:
  db:
    image: postgres:16
    volumes: [dbdata:/var/lib/postgresql/data]
  api:
    image: app:1
    depends_on: [db]
    secrets: [api_key]
volumes:
  dbdata:
secrets:
  api_key:
    environment: API_KEY
`;

function downOf(removeVolumes: boolean): Plan {
  const desired = desiredFrom(APP, { processEnv: { API_KEY: 'not-a-real-key' } });
  const result = planDown(desired, observedFromDesired(desired), removeVolumes);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return result.value;
}

describe('phoenix down explains its removals as a teardown, not a prune', () => {
  it('every removal says `phoenix down`; nothing claims the manifests no longer declare it', async () => {
    const down = downOf(false);
    expect(down.actions.map((a) => `${a.kind} ${resourceOf(a).name}: ${a.cause}`)).toEqual([
      'container.remove app-test-api-1: `phoenix down` takes the environment down',
      'container.remove app-test-db-1: `phoenix down` takes the environment down',
      'secret.remove app-test-api_key-154ac0bcac5c: `phoenix down` takes the environment down',
      'network.remove app-test-default: `phoenix down` takes the environment down',
    ]);
    expect(down.warnings).toEqual([{ resource: { type: 'volume', name: 'app-test-dbdata' }, message: 'kept with its data (`phoenix down` removes named volumes only with --volumes)' }]);
    const text = renderPlanText(down);
    expect(text).not.toContain('no longer in the manifests');
    expect(text).not.toContain('prune');
    await expect(text).toMatchFileSnapshot('../golden/down.txt');
  });

  it('down --volumes says so for the volume it removes', () => {
    const volume = downOf(true).actions.find((a) => a.kind === 'volume.remove');
    expect(volume?.cause).toBe('`phoenix down --volumes` takes the environment down, named volumes included');
  });

  it('a prune in an apply keeps its own wording (the teardown option is what changes it)', () => {
    const before = desiredFrom(APP, { processEnv: { API_KEY: 'not-a-real-key' } });
    const onlyDb = desiredFrom('services:\n  db:\n    image: postgres:16\n');
    const result = plan(onlyDb, observedFromDesired(before), { prune: true });
    if (!result.ok) throw new Error('plan failed');
    const api = result.value.actions.find((a) => a.kind === 'container.remove');
    expect(api?.cause).toBe('service "api" is no longer in the manifests (prune)');
  });
});
