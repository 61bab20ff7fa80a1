import fc from 'fast-check';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMPOSE_LABEL, LABEL } from '../src/model/desired.js';
import type { ObservedState } from '../src/model/observed.js';
import type { Action, Plan } from '../src/plan/actions.js';
import { resourceOf } from '../src/plan/actions.js';
import type { PlanOptions } from '../src/plan/plan.js';
import { plan } from '../src/plan/plan.js';
import { renderPlanJson } from '../src/plan/render-json.js';
import { renderPlanText } from '../src/plan/render-text.js';
import { desiredFrom, loadFixture } from './support/load-fixture.js';
import { applyPlanToModel } from './support/observed-model.js';
import type { EnvironmentGen } from './support/planner-arbitraries.js';
import { desiredOf, environmentArb, foreignContainer, mutatedObserved, mutationsArb, topologicalOrder, tweakArb } from './support/planner-arbitraries.js';

// Moderate by default so the suite stays fast; PHX_PROPERTY_RUNS=2000 searches harder.
const RUNS = { numRuns: Number(process.env.PHX_PROPERTY_RUNS ?? 100) };

/** A previous environment (what Podman was converged to, then disturbed) and the one now desired. */
const scenarioArb = environmentArb.chain((before) =>
  fc.record({
    before: fc.constant(before),
    after: fc.oneof(fc.constant(before), tweakArb(before), environmentArb),
    mutations: mutationsArb,
    removeVolumes: fc.boolean(),
    prune: fc.boolean(),
    priorities: fc.array(fc.integer(), { minLength: 32, maxLength: 32 }),
  }),
);

interface Scenario {
  readonly before: EnvironmentGen;
  readonly after: EnvironmentGen;
  readonly mutations: Parameters<typeof mutatedObserved>[1];
  readonly removeVolumes: boolean;
  readonly prune: boolean;
  readonly priorities: readonly number[];
}

function setUp(s: Scenario, adopt: boolean): { observed: ObservedState; options: PlanOptions; desired: ReturnType<typeof desiredOf> } {
  const desired = desiredOf(s.after);
  const observed = mutatedObserved(desiredOf(s.before), s.mutations);
  return { desired, observed, options: { prune: s.prune, removeVolumes: s.removeVolumes, adopt } };
}

function planned(result: ReturnType<typeof plan>): Plan {
  if (!result.ok) throw new Error(`plan failed: ${result.issues.map((i) => `${i.code} ${i.message}`).join('; ')}`);
  return result.value;
}

/** Ids that `id` depends on, directly or not. */
function ancestors(p: Plan, id: number): Set<number> {
  const byId = new Map(p.actions.map((a) => [a.id, a]));
  const seen = new Set<number>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return seen;
}

describe('planner properties', () => {
  it('(a) is deterministic: the same inputs give deep-equal plans and equal text', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (s, adopt) => {
        const { desired, observed, options } = setUp(s, adopt);
        const first = plan(desired, observed, options);
        // A structurally equal copy, not the same objects: nothing may depend on identity.
        const second = plan(structuredClone(desired), structuredClone(observed), { ...options });
        expect(second).toEqual(first);
        if (first.ok && second.ok) {
          const text = renderPlanText(first.value);
          const json = renderPlanJson(first.value);
          expect(renderPlanText(second.value)).toBe(text);
          expect(renderPlanJson(second.value)).toBe(json);
          // Secret values never reach a report, whichever secret versions are involved.
          for (const value of [s.before.secretValue, s.after.secretValue]) {
            expect(text).not.toContain(value);
            expect(json).not.toContain(value);
          }
        }
      }),
      RUNS,
    );
  });

  it('(b) converges in one step: applying the plan and planning again gives no actions', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (s, adopt) => {
        const { desired, observed, options } = setUp(s, adopt);
        const first = planned(plan(desired, observed, options));
        // Any order the dependencies allow, as a concurrent executor could run it.
        const after = applyPlanToModel(observed, first, { order: topologicalOrder(first, s.priorities) });
        const second = planned(plan(desired, after, options));
        expect(second.actions.map((a) => `${a.kind} ${resourceOf(a).name} (${a.cause})`)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('(c) every action comes after its dependencies, and nothing is removed before its replacement exists', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (s, adopt) => {
        const { desired, observed, options } = setUp(s, adopt);
        const p = planned(plan(desired, observed, options));
        p.actions.forEach((action, index) => {
          expect(action.id).toBe(index + 1);
          for (const dep of action.dependsOn) expect(dep).toBeLessThan(action.id);
        });
        const find = (predicate: (a: Action) => boolean): Action | undefined => p.actions.find(predicate);
        for (const action of p.actions) {
          if (action.kind === 'container.remove' && action.cause.includes('adopted from Compose')) {
            // Ours exists before theirs goes.
            const ours = find((a) => a.kind === 'container.create' && a.cause.includes(`takes over from ${action.name}`));
            expect(ours).toBeDefined();
            expect(ancestors(p, action.id).has(ours!.id)).toBe(true);
          }
          if (action.kind === 'secret.remove' && action.cause.startsWith('old version')) {
            // The new version exists, and every consumer of the old one is gone or recreated first.
            const current = desired.secrets.find((sec) => sec.name === action.secret)!;
            const creation = find((a) => a.kind === 'secret.create' && a.secret.podmanName === current.podmanName);
            const before = ancestors(p, action.id);
            if (creation !== undefined) expect(before.has(creation.id)).toBe(true);
            for (const consumer of observed.containers.filter((c) => (c.labels[LABEL.appliedSpec] ?? '').includes(action.name))) {
              const teardown = find((a) => (a.kind === 'container.recreate' && a.replaces.id === consumer.id) || (a.kind === 'container.remove' && a.containerId === consumer.id));
              expect(teardown, `consumer ${consumer.name} of ${action.name}`).toBeDefined();
              expect(before.has(teardown!.id)).toBe(true);
            }
          }
          if (action.kind === 'container.start') {
            // Starts wait for the starts of their dependencies.
            const waits = new Set(action.awaits.flatMap((w) => w.containers));
            for (const dep of p.actions.filter((a) => a.kind === 'container.start' && waits.has(a.name))) expect(ancestors(p, action.id).has(dep.id)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('(d) the config hash ignores key order and YAML formatting', () => {
    const serviceArb = fc.record({
      image: fc.constantFrom('alpine:3.19', 'nginx:1.25'),
      environment: fc.dictionary(fc.constantFrom('A', 'B', 'C', 'LOG_LEVEL'), fc.constantFrom('1', 'x y', 'true', ''), { maxKeys: 4 }),
      command: fc.option(fc.array(fc.constantFrom('sh', '-c', 'echo hi', 'sleep 1'), { minLength: 1, maxLength: 3 }), { nil: undefined }),
      labels: fc.dictionary(fc.constantFrom('a.b', 'c', 'team'), fc.constantFrom('x', 'y'), { maxKeys: 2 }),
      cap_drop: fc.option(fc.subarray(['ALL', 'NET_RAW', 'CHOWN'], { minLength: 1 }), { nil: undefined }),
      restart: fc.constantFrom('no', 'always', 'unless-stopped'),
      healthcheck: fc.option(fc.record({ test: fc.constant(['CMD', 'true']), interval: fc.constantFrom('5s', '1m') }), { nil: undefined }),
    });
    const shuffle = (value: unknown, seed: number): unknown => {
      if (Array.isArray(value)) return value.map((v) => shuffle(v, seed));
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value).map(([k, v]) => [k, shuffle(v, seed)] as const);
        // A seeded rotation and maybe a reversal: a different key order for each seed.
        const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!);
        return Object.fromEntries(seed % 2 === 0 ? rotated : rotated.reverse());
      }
      return value;
    };
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('api', 'web', 'db'), serviceArb, { minKeys: 1, maxKeys: 3 }), fc.nat(), fc.boolean(), fc.boolean(), (services, seed, flow, environmentAsList) => {
        const plain = YAML.stringify({ services });
        const reshaped = Object.fromEntries(
          Object.entries(services).map(([name, s]) => {
            const environment = environmentAsList ? Object.entries(s.environment).map(([k, v]) => `${k}=${v}`) : s.environment;
            return [name, { ...s, environment }];
          }),
        );
        const other = YAML.stringify(shuffle({ services: reshaped }, seed), flow ? { collectionStyle: 'flow' } : { defaultStringType: 'QUOTE_DOUBLE' });
        const hashes = (text: string): Record<string, string> => Object.fromEntries(desiredFrom(text).services.map((s) => [s.name, s.configHash]));
        expect(hashes(other)).toEqual(hashes(plain));
      }),
      RUNS,
    );
  });

  describe('(e) loading arbitrary text never throws', () => {
    const composeWords = ['services', 'image', 'environment', 'depends_on', 'condition', 'volumes', 'secrets', 'networks', 'deploy', 'replicas', 'ports', 'x-a', '<<', '*a', '&a', '!reset', '!override', '${A}', '$${B}', '${C:?no}', '"', "'", '-', '[', ']', '{', '}', ':', '#', '|', '>', '\t'];
    const yamlish = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.array(fc.oneof(fc.constantFrom(...composeWords), fc.string({ maxLength: 6 })), { maxLength: 5 })), { maxLength: 12 })
      .map((lines) => lines.map(([indent, words]) => `${' '.repeat(indent)}${words.join(' ')}`).join('\n'));
    const fromValues = fc.jsonValue({ maxDepth: 4 }).map((v) => YAML.stringify({ services: { web: v } }));
    // Plausible keys with plausible-looking or wrongly typed values: gets past the YAML parser, often past the schema.
    const serviceKeys = ['image', 'environment', 'env_file', 'ports', 'volumes', 'tmpfs', 'depends_on', 'healthcheck', 'deploy', 'scale', 'secrets', 'networks', 'network_mode', 'command', 'entrypoint', 'restart', 'extra_hosts', 'labels', 'cap_add', 'stop_grace_period', 'container_name', 'user'];
    const leaf = fc.oneof(fc.constantFrom('alpine:3.19', '8080:80', '127.0.0.1:80:80/udp', './data:/data', 'data:/data:ro', '/tmp:size=1g', 'db', '${A}', '${B:-x}', '1g', '5s', 'always', 'on-failure:3', 'host', 'NET_ADMIN', 'a=b'), fc.jsonValue({ maxDepth: 2 }));
    const value = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.oneof(fc.constantFrom('condition', 'test', 'replicas', 'target', 'source', 'db', 'A', 'resources'), fc.string({ maxLength: 4 })), leaf, { maxKeys: 3 }));
    const services = fc.dictionary(fc.constantFrom('web', 'db', 'x'), fc.dictionary(fc.constantFrom(...serviceKeys), value, { maxKeys: 5 }), { maxKeys: 3 });
    const topLevel = fc.record({ services, volumes: fc.option(fc.dictionary(fc.constantFrom('data', 'db'), fc.oneof(fc.constant(null), value)), { nil: undefined }), secrets: fc.option(fc.dictionary(fc.constantFrom('key'), value), { nil: undefined }), networks: fc.option(fc.dictionary(fc.constantFrom('back', 'default'), fc.oneof(fc.constant(null), value)), { nil: undefined }) }, { requiredKeys: ['services'] });
    const structured = topLevel.map((doc) => YAML.stringify(doc));
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), yamlish, fromValues, structured, structured);

    const neverThrows = (load: () => ReturnType<typeof loadFixture>): void => {
      let result: ReturnType<typeof loadFixture> | undefined;
      expect(() => (result = load())).not.toThrow();
      expect(typeof result!.ok).toBe('boolean');
      if (!result!.ok) expect(result!.issues.length).toBeGreaterThan(0);
    };

    it('as the compose file', () => {
      fc.assert(
        fc.property(text, (compose) => neverThrows(() => loadFixture(compose, { processEnv: { A: 'a' } }))),
        { numRuns: Number(process.env.PHX_PROPERTY_RUNS ?? 150) },
      );
    });

    it('as the environment file', () => {
      const environmentWords = fc.oneof(text, yamlish.map((t) => `project: app\ncompose: [compose.yaml]\n${t}`));
      fc.assert(
        fc.property(environmentWords, (environment) => neverThrows(() => loadFixture('services:\n  web:\n    image: alpine:3.19\n', { environment }))),
        { numRuns: Number(process.env.PHX_PROPERTY_RUNS ?? 150) },
      );
    });
  });

  it('(f) touches no object it does not own, unless adopting', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (s, adopt) => {
        const { desired, observed, options } = setUp(s, adopt);
        const result = plan(desired, observed, options);
        if (!result.ok) return;
        const owned = (labels: Readonly<Record<string, string>>): boolean => labels[LABEL.project] === desired.project && labels[LABEL.environment] === desired.environment;
        const wanted = new Set(desired.services.flatMap((svc) => svc.containerNames));
        for (const action of result.value.actions) {
          const resource = resourceOf(action);
          const list = { image: [], container: observed.containers, network: observed.networks, volume: observed.volumes, secret: observed.secrets }[resource.type];
          const touched = action.kind === 'container.remove' ? observed.containers.find((c) => c.id === action.containerId) : action.kind === 'container.recreate' ? observed.containers.find((c) => c.id === action.replaces.id) : list.find((o) => o.name === resource.name);
          if (touched === undefined || owned(touched.labels)) continue;
          // Only adoption may touch a foreign object: a Compose container of this project, or one holding a wanted name.
          expect(adopt, `${action.kind} ${resource.name} touches a foreign object`).toBe(true);
          const composeOfProject = touched.labels[COMPOSE_LABEL.project] === desired.project;
          expect(composeOfProject || wanted.has(touched.name)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('(g) a foreign container holding a wanted name fails the plan, unless adopting (then it converges)', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), fc.boolean(), fc.boolean(), (s, pick, composeMade, adopt) => {
        const { desired, observed, options } = setUp(s, adopt);
        const names = desired.services.flatMap((svc) => svc.containerNames);
        const squatted = names[pick % names.length]!;
        const labels: Record<string, string> = composeMade ? { [COMPOSE_LABEL.project]: desired.project, [COMPOSE_LABEL.service]: 'x', [COMPOSE_LABEL.containerNumber]: '1' } : { 'org.example.owner': 'someone' };
        const squatter = { ...foreignContainer(squatted, labels), id: 'squatter' };
        const disturbed: ObservedState = { ...observed, containers: [...observed.containers.filter((c) => c.name !== squatted), squatter] };
        const result = plan(desired, disturbed, options);
        if (!adopt) {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.issues).toContainEqual(expect.objectContaining({ code: 'PHX-PLAN-NAME-CONFLICT', resource: { type: 'container', name: squatted } }));
          return;
        }
        const first = planned(result);
        const takeover = first.actions.find((a) => a.kind === 'container.recreate' && a.replaces.id === 'squatter');
        expect(takeover).toBeDefined();
        const after = applyPlanToModel(disturbed, first, { order: topologicalOrder(first, s.priorities) });
        expect(planned(plan(desired, after, options)).actions).toEqual([]);
      }),
      RUNS,
    );
  });
});
