import { describe, expect, it } from 'vitest';
import { Debouncer } from '../../../src/controller/triggers/debounce.js';
import { planWatch } from '../../../src/controller/triggers/watch-layout.js';
import { recordingReader } from '../../../src/controller/triggers/watched-files.js';
import { loadEnvironment } from '../../../src/manifest/load.js';
import { SecretDigester } from '../../../src/model/hash.js';
import { memoryReader } from '../../support/memory-reader.js';
import { FakeTimers } from './fake-timers.js';

describe('Debouncer', () => {
  it('hands over a burst once it is quiet, each item once', async () => {
    const timers = new FakeTimers();
    const flushed: string[][] = [];
    const debouncer = new Debouncer<string>((items) => flushed.push(items), { waitMs: 300, maxWaitMs: 3000, timers });
    debouncer.add('a');
    await timers.advance(200);
    debouncer.add('b');
    debouncer.add('a');
    await timers.advance(299);
    expect(flushed).toEqual([]);
    await timers.advance(1);
    expect(flushed).toEqual([['a', 'b']]);
    expect(timers.pending()).toBe(0);
  });

  it('flushes a never-ending burst after the maximum wait', async () => {
    const timers = new FakeTimers();
    const flushed: number[] = [];
    const debouncer = new Debouncer<string>(() => flushed.push(timers.now()), { waitMs: 300, maxWaitMs: 1000, timers });
    for (let t = 0; t < 2500; t += 100) {
      debouncer.add(`write ${t}`);
      await timers.advance(100);
    }
    expect(flushed).toEqual([1000, 2000]);
  });

  it('drops pending items on cancel', async () => {
    const timers = new FakeTimers();
    const flushed: string[][] = [];
    const debouncer = new Debouncer<string>((items) => flushed.push(items), { waitMs: 300, maxWaitMs: 1000, timers });
    debouncer.add('a');
    debouncer.cancel();
    await timers.advance(5000);
    expect(flushed).toEqual([]);
  });
});

describe('planWatch', () => {
  const existing = new Set(['/', '/env', '/env/compose', '/home', '/home/me']);
  const isDirectory = (p: string): boolean => existing.has(p);

  it("watches each file's folder and that folder's parent, never the file itself", () => {
    const layout = planWatch(['/env/dev.yaml', '/env/compose/app.yaml'], isDirectory);
    expect(layout.roots).toEqual(['/', '/env', '/env/compose']);
    expect([...layout.allowed].sort()).toEqual(['/', '/env', '/env/compose', '/env/compose/app.yaml', '/env/dev.yaml']);
    expect([...layout.structural].sort()).toEqual(['/env', '/env/compose']);
  });

  it('waits for a missing folder from its nearest existing ancestor', () => {
    const layout = planWatch(['/home/me/secrets/prod/key'], isDirectory);
    expect(layout.roots).toEqual(['/home', '/home/me']);
    expect(layout.allowed.has('/home/me/secrets')).toBe(true);
    expect(layout.allowed.has('/home/me/secrets/prod')).toBe(false);
    expect([...layout.structural].sort()).toEqual(['/home/me', '/home/me/secrets']);
  });
});

describe('recordingReader', () => {
  it('records every file a load reads or looks for: environment, compose, dotenv, env_file, secret files', () => {
    const files = {
      '/p/environments/dev.yaml': 'project: shop\ncompose: [compose/app.yaml]\ndotenv: [dev.env]\nsecrets:\n  db: { file: secrets/db }\n',
      '/p/environments/compose/app.yaml': 'services:\n  web:\n    image: img\n    env_file: [web.env]\n    secrets: [db]\nsecrets:\n  db: {}\n',
      '/p/environments/dev.env': 'A=1\n',
      '/p/environments/compose/web.env': 'B=2\n',
      '/p/environments/secrets/db': 'hunter2',
    };
    const reader = recordingReader(memoryReader(files));
    const result = loadEnvironment({
      environmentsDir: '/p/environments',
      name: 'dev',
      reader,
      processEnv: {},
      cwd: '/p',
      homeDir: '/home/me',
      digester: new SecretDigester(new Uint8Array(32).fill(1)),
      requireSecretValues: true,
    });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(reader.files()).toEqual(expect.arrayContaining(Object.keys(files)));
  });

  it('records the files a failed load looked for, so that creating one triggers a reload', () => {
    const reader = recordingReader(memoryReader({}));
    const result = loadEnvironment({
      environmentsDir: '/p/environments',
      name: 'dev',
      reader,
      processEnv: {},
      cwd: '/p',
      homeDir: '/home/me',
      digester: new SecretDigester(new Uint8Array(32).fill(1)),
      requireSecretValues: true,
    });
    expect(result.ok).toBe(false);
    expect(reader.files()).toEqual(['/p/environments/dev.yaml', '/p/environments/dev.yml']);
  });
});
