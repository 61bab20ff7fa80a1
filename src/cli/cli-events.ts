/**
 * Events a one-shot command publishes (apply's automatic rollback): handed to the sinks of the
 * environment's `policy.events` (file, webhooks, commands), filtered as watch filters them, and
 * flushed before the command exits. Watch mode publishes through its own long-lived bus.
 */
import { randomUUID } from 'node:crypto';
import { EventBus, makeEvent } from '../events/event-bus.js';
import type { EventFilter } from '../events/event-bus.js';
import type { EventKind, EventPayloads } from '../events/event-types.js';
import { CommandSink } from '../events/sinks/command-sink.js';
import { JsonlFileSink } from '../events/sinks/jsonl-file-sink.js';
import { WebhookSink } from '../events/sinks/webhook-sink.js';
import type { DesiredState, SinkFilter } from '../model/desired.js';
import type { CliIo } from './io.js';

/** One event to publish. */
export interface CliEvent<K extends EventKind = EventKind> {
  readonly kind: K;
  readonly data: EventPayloads[K];
}

/** Publishes the events to the environment's policy sinks and waits until they were handed on; a failing sink is a warning. */
export async function publishToPolicySinks(desired: DesiredState, events: readonly CliEvent[], io: CliIo): Promise<void> {
  const policy = desired.policy.events;
  const warn = (error: unknown): void => io.stderr(`phoenix: warning: an event sink failed: ${(error as Error).message}\n`);
  const bus = new EventBus(warn);
  const scoped = (filter: SinkFilter): EventFilter => ({
    types: filter.types,
    services: filter.services,
    ...(filter.severities === undefined ? {} : { severities: filter.severities }),
    environments: filter.environments.length > 0 ? filter.environments : [desired.environment],
  });
  const closers: (() => Promise<void>)[] = [];
  const add = (sink: { handle: (event: Parameters<EventBus['publish']>[0]) => void; close: () => Promise<void> }, filter: SinkFilter): void => {
    const unsubscribe = bus.subscribe(scoped(filter), sink.handle);
    closers.push(async () => {
      unsubscribe();
      await sink.close();
    });
  };
  try {
    if (policy.file !== null) add(new JsonlFileSink({ path: policy.file.path, maxBytes: policy.file.maxSizeBytes, keep: policy.file.keep, onError: warn }), policy.file.filter);
    for (const hook of policy.webhooks) add(new WebhookSink({ url: hook.url }), hook.filter);
    for (const command of policy.commands) add(new CommandSink({ argv: command.command, cwd: command.cwd, timeoutMs: command.timeoutMs, maxConcurrent: command.maxConcurrent }), command.filter);
    for (const event of events) bus.publish(makeEvent(event.kind, { project: desired.project, environment: desired.environment }, event.data, randomUUID(), new Date()));
  } catch (error) {
    warn(error);
  } finally {
    await Promise.allSettled(closers.map((close) => close()));
  }
}
