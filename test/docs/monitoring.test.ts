/**
 * docs/monitoring.md cannot drift: the files it shows are the files in docs/examples/,
 * promtool (Debian's prometheus package) checks the scrape configuration and the rules and runs
 * the rules' unit tests (each rule must be needed by them), the metric table is exactly what
 * src/telemetry/metrics.ts declares, every metric the doc and the rules name is exported by a
 * real watch, and a real Prometheus scraping a real watch against real Podman raises the
 * crash-loop, degraded, unhealthy and watch-down alerts, while the doc's reading commands run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Metrics } from '../../src/telemetry/metrics.js';
import { REPO, eventually, loopAfter, podman, service } from '../integration/support.js';
import { startWatch, useWatchSuite } from '../integration/watch-support.js';
import { blockNamed, readDoc } from './doc-blocks.js';
import { PrometheusServer } from './prometheus-server.js';
import { promtool, requirePrometheusTools, runTool } from './promtool.js';

const DOC = 'docs/monitoring.md';
const EXAMPLES = path.join(REPO, 'docs', 'examples');
const RULES = 'phoenix-alerts.yml';
const RULE_TESTS = 'phoenix-alerts.test.yml';
const CONFIG = 'prometheus.yml';

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string; for?: string }[] }[];
}

/** Name → type and label names, as the metrics module declares them (process metrics left out). */
function declaredMetrics(): Map<string, { type: string; labels: string[] }> {
  const registry: Registry = new Metrics({ processMetrics: false }).registry;
  const declared = new Map<string, { type: string; labels: string[] }>();
  for (const metric of registry.getMetricsAsArray()) {
    const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames: string[] };
    declared.set(name, { type, labels: [...labelNames] });
  }
  return declared;
}

/** The family a sample name belongs to (a histogram's _bucket/_sum/_count are its own). */
function family(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}

/** Every `phoenix_*` name in a text. */
function phoenixNames(text: string): Set<string> {
  return new Set([...text.matchAll(/\bphoenix_[a-z_]+[a-z]/g)].map((m) => family(m[0])));
}

const rules = (): RuleFile => parse(readFileSync(path.join(EXAMPLES, RULES), 'utf8')) as RuleFile;
const alertNames = (): string[] => rules().groups.flatMap((g) => g.rules.map((r) => r.alert));

beforeAll(() => requirePrometheusTools());

describe('docs/monitoring.md: the files and the rules, with promtool', () => {
  it('shows the example files exactly as they are in docs/examples/', () => {
    const { blocks } = readDoc(DOC);
    for (const file of [CONFIG, RULES]) {
      const block = blockNamed(blocks, 'include', `docs/examples/${file}`);
      expect(block.text, `${DOC}:${block.line} must show docs/examples/${file} as it is`).toBe(readFileSync(path.join(EXAMPLES, file), 'utf8'));
    }
  });

  it("runs the doc's promtool commands: the config (with its rule file) and the rules check, the rules' unit tests pass", async () => {
    const block = blockNamed(readDoc(DOC).blocks, 'run', 'check-rules');
    const result = await runTool('sh', ['-ec', block.text], { cwd: REPO });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`SUCCESS: ${alertNames().length} rules found`);
    expect(result.stdout).toContain('SUCCESS: 1 rule files found');
    expect(result.stdout).toMatch(/Unit Testing: {2}phoenix-alerts\.test\.yml\n {2}SUCCESS/);
    // The comment in the doc states the count too.
    expect(block.text).toContain(`SUCCESS: ${alertNames().length} rules found`);
  });

  it('rejects a broken rule file and a config that points at a missing one (promtool has teeth here)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-rules-'));
    try {
      writeFileSync(path.join(dir, RULES), readFileSync(path.join(EXAMPLES, RULES), 'utf8').replace('phoenix_crash_looping == 1', 'phoenix_crash_looping == == 1'));
      const bad = await promtool(['check', 'rules', RULES], { cwd: dir });
      expect(bad.code).not.toBe(0);
      expect(bad.stdout + bad.stderr).toMatch(/parse error/);
      copyFileSync(path.join(EXAMPLES, CONFIG), path.join(dir, CONFIG));
      rmSync(path.join(dir, RULES));
      const missing = await promtool(['check', 'config', CONFIG], { cwd: dir });
      expect(missing.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("needs every rule: an alert that never fires fails the rules' unit tests", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-rules-'));
    try {
      copyFileSync(path.join(EXAMPLES, RULE_TESTS), path.join(dir, RULE_TESTS));
      const original = rules();
      for (const name of alertNames()) {
        const mutated = structuredClone(original);
        for (const rule of mutated.groups.flatMap((g) => g.rules)) if (rule.alert === name) rule.expr = 'vector(1) == 0';
        writeFileSync(path.join(dir, RULES), stringify(mutated));
        const result = await promtool(['test', 'rules', RULE_TESTS], { cwd: dir });
        expect(result.code, `the unit tests still pass with ${name} never firing`).not.toBe(0);
        expect(result.stdout + result.stderr).toContain(`alertname: ${name}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the scrape job is the job the rules select, and the target is watch’s default telemetry address', () => {
    const config = parse(readFileSync(path.join(EXAMPLES, CONFIG), 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const [job] = config.scrape_configs;
    expect(config.rule_files).toEqual([RULES]);
    expect(job!.metrics_path).toBe('/metrics');
    expect(job!.static_configs[0]!.targets).toEqual(['127.0.0.1:9464']);
    const watchDown = rules().groups.flatMap((g) => g.rules).find((r) => r.alert === 'PhoenixWatchDown')!;
    expect(watchDown.expr).toBe(`up{job="${job!.job_name}"} == 0`);
  });
});

describe('docs/monitoring.md: the metrics', () => {
  it('its table lists exactly the metrics src/telemetry/metrics.ts declares, with their types and labels', () => {
    const { text } = readDoc(DOC);
    const rows = [...text.matchAll(/^\| `(phoenix_[a-z_]+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => ({
      name: m[1]!,
      type: m[2]!,
      labels: m[3]!.trim() === '—' ? [] : [...m[3]!.matchAll(/`([a-z_]+)`/g)].map((l) => l[1]!),
    }));
    const declared = declaredMetrics();
    expect(rows.map((r) => r.name).sort()).toEqual([...declared.keys()].sort());
    for (const row of rows) expect({ name: row.name, type: row.type, labels: row.labels }).toEqual({ name: row.name, ...declared.get(row.name) });
  });

  it('every metric and label the doc and the rules use is declared (a renamed metric or label fails here)', () => {
    const declared = declaredMetrics();
    const used = new Set([...phoenixNames(readDoc(DOC).text), ...phoenixNames(readFileSync(path.join(EXAMPLES, RULES), 'utf8')), ...phoenixNames(readFileSync(path.join(EXAMPLES, RULE_TESTS), 'utf8'))]);
    for (const name of used) expect(declared.has(name), `${name} is named in the doc or the rules but not exported`).toBe(true);
    // Label matchers in the rules' expressions and the unit tests' series: `name{label="..."}`.
    const texts = [readFileSync(path.join(EXAMPLES, RULES), 'utf8'), readFileSync(path.join(EXAMPLES, RULE_TESTS), 'utf8'), readDoc(DOC).text];
    let checked = 0;
    for (const text of texts) {
      for (const match of text.matchAll(/\b(phoenix_[a-z_]+[a-z])\{([^}]*)\}/g)) {
        const metric = declared.get(family(match[1]!));
        for (const label of match[2]!.matchAll(/([a-z_]+)\s*(?:=|!=|=~|!~)\s*"/g)) {
          expect(metric?.labels, `${match[0]} uses the label ${label[1]}`).toContain(label[1]);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe('docs/monitoring.md against a real watch, real Podman and a real Prometheus', { timeout: 300_000 }, () => {
  const suite = useWatchSuite();
  let prometheus: PrometheusServer | null = null;
  afterEach(async () => {
    await prometheus?.stop();
    prometheus = null;
  });

  it('exports every metric named; Prometheus raises crash-loop, degraded, unhealthy and watch-down alerts; the reading commands run', async () => {
    const project = suite.project();
    // A service whose check passes until /tmp/ok is removed; max_restarts 0 opens the breaker at the first failure.
    project.writeEnvironment({ policy: { prune: false, health: { max_restarts: 0 } } });
    project.writeCompose({ services: { web: service({ command: loopAfter('touch /tmp/ok'), healthcheck: { test: ['CMD', 'test', '-f', '/tmp/ok'], interval: '1s', timeout: '2s', retries: 1 } }) } });
    const watch = await startWatch(project, [], { waitReady: false });
    await eventually('/readyz to answer 200 (the first reconcile)', 120_000, async () => ((await watch.get('/readyz')).status === 200 ? true : undefined)).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${(await watch.get('/readyz')).body}\n--- watch log (tail)\n${watch.stdout().slice(-3000)}\n--- stderr\n${watch.stderr().slice(-2000)}`);
    });
    await watch.waitForEvent('web healthy', 30_000, (e) => e.event === 'container.healthy');

    // Every phoenix_* family the doc or the rules name is on a real watch's /metrics.
    const exposition = (await watch.get('/metrics')).body;
    const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const named = new Set([...phoenixNames(readDoc(DOC).text), ...phoenixNames(readFileSync(path.join(EXAMPLES, RULES), 'utf8'))]);
    for (const name of named) expect(exported.has(name), `${name} is not on watch's /metrics`).toBe(true);
    // The action kinds the doc's table names are the label values watch records.
    expect(exposition).toMatch(/^phoenix_actions_total\{environment="it",kind="container\.create",outcome="succeeded"\} [1-9]/m);
    for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'process_open_fds', 'nodejs_eventloop_lag_seconds']) expect(exported.has(name), name).toBe(true);

    // The doc's scrape configuration, pointed at this watch, scraping and evaluating every second.
    const address = new URL(watch.url).host;
    const config = parse(readFileSync(path.join(EXAMPLES, CONFIG), 'utf8')) as { global: Record<string, string>; rule_files: string[]; scrape_configs: { static_configs: { targets: string[] }[] }[] };
    config.global.scrape_interval = '1s';
    config.global.evaluation_interval = '1s';
    config.rule_files = config.rule_files.map((file) => path.join(EXAMPLES, file));
    config.scrape_configs[0]!.static_configs[0]!.targets = [address];
    prometheus = await PrometheusServer.start(stringify(config));
    const server = prometheus;
    const up = await eventuallyQuery(server, 'up{job="phoenix"} == 1');
    expect(up[0]!.metric.instance).toBe(address);
    const converged = await eventuallyQuery(server, 'phoenix_service_verdict{service="web", verdict="converged"} == 1');
    expect(converged[0]!.metric.environment).toBe('it');
    expect(await server.alerts()).toEqual([]);

    // Break the check: watch finds web unhealthy, the breaker opens at once (max_restarts 0).
    await podman(['exec', project.container('web'), 'rm', '/tmp/ok']);
    const labels = { environment: 'it', service: 'web', job: 'phoenix' };
    await server.waitForAlert('PhoenixServiceCrashLooping', 'firing', labels, 30_000);
    await server.waitForAlert('PhoenixServiceDegraded', 'pending', { ...labels, verdict: 'degraded' }, 30_000);
    await server.waitForAlert('PhoenixContainerUnhealthy', 'pending', { ...labels, container: project.container('web') }, 30_000);

    // The doc's reading commands, against this watch and this Prometheus.
    const reading = blockNamed(readDoc(DOC).blocks, 'run', 'reading').text.replaceAll('127.0.0.1:9464', address).replaceAll('localhost:9090', new URL(server.url).host);
    // pipefail: a curl that fails fails the run, not only the last command of a pipe.
    const read = await runTool('bash', ['-e', '-o', 'pipefail', '-c', reading], { cwd: REPO });
    expect(read.code, read.stdout + read.stderr).toBe(0);
    expect(read.stdout).toContain(`phoenix_service_verdict{environment="it",service="web",verdict="degraded"} 1`);
    expect(read.stdout).toContain(`phoenix_health_status{environment="it",service="web",container="${project.container('web')}"} 0`);
    expect(read.stdout).toContain('phoenix_crash_looping{environment="it",service="web"} 1');
    expect(read.stdout).toMatch(/ALERTS\{[^}]*alertname="PhoenixServiceCrashLooping"[^}]*\} => 1/);
    expect(read.stdout).toMatch(/phoenix_service_verdict\{[^}]*verdict="degraded"[^}]*\} => 1/);

    // watch stops: Prometheus's scrape fails, and the watch-down alert is pending (for: 1m).
    expect(await watch.stop()).toBe(0);
    await server.waitForAlert('PhoenixWatchDown', 'pending', { job: 'phoenix', instance: address }, 30_000);
  });
});

/** Waits until an instant query returns something. */
async function eventuallyQuery(server: PrometheusServer, expr: string): Promise<Awaited<ReturnType<PrometheusServer['query']>>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const result = await server.query(expr);
    if (result.length > 0) return result;
    if (Date.now() > deadline) throw new Error(`timed out after 30 s waiting for ${expr} to return a sample`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
