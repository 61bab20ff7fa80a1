import { describe, expect, it } from 'vitest';
import { plan } from '../src/plan/plan.js';
import type { Plan } from '../src/plan/actions.js';
import { resourceOf } from '../src/plan/actions.js';
import { desiredFrom } from './support/load-fixture.js';
import { observedFromDesired } from './support/observed-model.js';

/*
 * Found by test/integration/crash.test.ts: Phoenix killed during a recreate leaves
 * `<name>-next`. The next plan both recreates <name> (which makes a new `<name>-next`) and
 * removes the leftover; run side by side, the removal took the new replacement away and the
 * recreate's rename failed. The leftover's removal must come first.
 */
const COMPOSE = `
services:
  web:
    image: nginx:1.25
    environment:
      VERSION: "1"
`;

function planOf(...args: Parameters<typeof plan>): Plan {
  const result = plan(...args);
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
  return result.value;
}

describe('a <name>-next left by an interrupted recreate', () => {
  const before = desiredFrom(COMPOSE);
  const converged = observedFromDesired(before);
  const web = converged.containers.find((c) => c.name === 'app-test-web-1')!;
  const leftover = { ...web, id: `${web.id.slice(0, -4)}next`, name: 'app-test-web-1-next', state: 'created' as const };
  const observed = { ...converged, containers: [...converged.containers, leftover] };

  it('is removed before the container is recreated', () => {
    const p = planOf(desiredFrom(COMPOSE.replace('"1"', '"2"')), observed);
    const removal = p.actions.find((a) => a.kind === 'container.remove' && resourceOf(a).name === 'app-test-web-1-next')!;
    const recreate = p.actions.find((a) => a.kind === 'container.recreate')!;
    expect(removal.cause).toBe('left over from an interrupted replacement of app-test-web-1');
    expect(recreate.dependsOn).toContain(removal.id);
  });

  it('is removed before the container is created when the original is gone too', () => {
    const withoutOriginal = { ...observed, containers: observed.containers.filter((c) => c.name !== 'app-test-web-1') };
    const p = planOf(before, withoutOriginal);
    const removal = p.actions.find((a) => a.kind === 'container.remove' && resourceOf(a).name === 'app-test-web-1-next')!;
    const create = p.actions.find((a) => a.kind === 'container.create')!;
    expect(create.dependsOn).toContain(removal.id);
  });
});
