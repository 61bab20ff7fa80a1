/**
 * A real Prometheus server for the monitoring doc's end-to-end test: started on a free
 * loopback port with a config file and a storage folder of its own, asked over its HTTP API,
 * and stopped (by its own pid) when the test ends.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually, freePort } from '../integration/support.js';
import { httpGet } from '../integration/watch-support.js';
import { PROMETHEUS } from './promtool.js';

/** One alert as /api/v1/alerts lists it. */
export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing' | 'inactive';
}

/** One sample of an instant query's vector. */
export interface PrometheusSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** A running Prometheus. */
export class PrometheusServer {
  private output = '';

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
  }

  /** Starts Prometheus with `config` (YAML text) and waits until it is ready. */
  static async start(config: string): Promise<PrometheusServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'phx-prometheus-'));
    const configFile = path.join(dir, 'prometheus.yml');
    writeFileSync(configFile, config);
    const port = await freePort();
    const child = spawn(PROMETHEUS, [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir);
    await eventually('Prometheus to be ready', 30_000, async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}:\n${server.output}`);
      try {
        return (await httpGet(`${server.url}/-/ready`, 2000)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    });
    return server;
  }

  /** The result vector of an instant query. */
  async query(expr: string): Promise<PrometheusSample[]> {
    const res = await httpGet(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = JSON.parse(res.body) as { status: string; error?: string; data?: { resultType: string; result: PrometheusSample[] } };
    if (body.status !== 'success' || body.data?.resultType !== 'vector') throw new Error(`query ${expr} failed: ${res.body}`);
    return body.data.result;
  }

  /** Every alert the rules hold now, pending and firing. */
  async alerts(): Promise<PrometheusAlert[]> {
    const res = await httpGet(`${this.url}/api/v1/alerts`);
    return (JSON.parse(res.body) as { data: { alerts: PrometheusAlert[] } }).data.alerts;
  }

  /** Waits for an alert with that name, state and (at least) those labels. */
  waitForAlert(alertname: string, state: PrometheusAlert['state'], labels: Readonly<Record<string, string>>, timeoutMs: number): Promise<PrometheusAlert> {
    return eventually(`alert ${alertname} ${state} ${JSON.stringify(labels)}`, timeoutMs, async () => {
      if (this.child.exitCode !== null) throw new Error(`prometheus exited ${this.child.exitCode}:\n${this.output}`);
      const alerts = await this.alerts();
      return alerts.find((a) => a.labels.alertname === alertname && a.state === state && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
    });
  }

  /** Stops Prometheus and removes its folder. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
