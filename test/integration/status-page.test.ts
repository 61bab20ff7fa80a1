/**
 * The live status page in a real browser: headless Chromium (Debian's package, puppeteer-core)
 * against a real `phoenix watch` of the demo environment on real Podman. The page lists the
 * demo's services; a `podman kill` shows the container leaving and coming back without a
 * reload; the page fetches nothing from another origin and runs under its CSP; it is one
 * column on a phone; the restart button is reachable with Tab. The restart button restarts
 * only with watch's token: a wrong one is refused on the page and nothing restarts; the right
 * one (asked once, kept for the tab) restarts the container and the request is recorded as an
 * event; the log tail shows the service's lines, never the demo's secret.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { DEMO_SERVICES, demoTokenValue, useDemo } from './demo-project.js';
import { podman } from './support.js';
import { startWatch, tryInspect, useWatchSuite, waitAllRunning } from './watch-support.js';

const suite = useWatchSuite();
let browser: Browser | null = null;
afterEach(async () => {
  await browser?.close();
  browser = null;
}, 60_000);

/** Generous: two cores are shared by many test processes. */
const WAIT_MS = 90_000;

/** Opens the page; records every request it makes and every console error. */
async function openPage(url: string): Promise<{ page: Page; requests: string[]; problems: string[]; csp: string }> {
  browser ??= await launchChromium();
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await page.setViewport({ width: 1280, height: 900 });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request: HTTPRequest) => void requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => void problems.push(String(error)));
  const response = await page.goto(`${url}/`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  return { page, requests, problems, csp: response?.headers()['content-security-policy'] ?? '' };
}

/** Waits until the in-page expression holds; on time-out, says what was awaited and what `show` evaluates to in the page. */
async function waitInPage(page: Page, expression: string, what: string, show: string): Promise<void> {
  try {
    await page.waitForFunction(expression, { timeout: WAIT_MS, polling: 200 });
  } catch (error) {
    const shown = await page.evaluate(`JSON.stringify(${show})`).catch(() => '?');
    throw new Error(`waiting for ${what}: ${(error as Error).message}; the page shows ${String(shown)}`, { cause: error });
  }
}

// In-page code is passed as strings: the tests are type-checked for Node, without the DOM's types.

/**
 * Records in `window.phoenixTest.seen` each state the element shows (its data-state), in
 * order, from now on; `mark` tells later that the document was not reloaded.
 */
function recordStates(selector: string): string {
  return `(() => {
    const seen = [];
    window.phoenixTest = { seen, mark: 'same document' };
    const look = () => {
      const state = document.querySelector(${JSON.stringify(selector)})?.getAttribute('data-state') ?? 'absent';
      if (seen[seen.length - 1] !== state) seen.push(state);
    };
    look();
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  })()`;
}

/** Whether recorded states show a container leaving (any state but running) and then running again. */
const LEFT_AND_BACK = `(seen) => { const left = seen.findIndex((state) => state !== 'running'); return left >= 0 && seen.slice(left).includes('running'); }`;

describe('the live status page in headless Chromium', { timeout: 420_000 }, () => {
  it('lists the demo, follows a kill live without a reload, stays on its origin, fits a phone, and Tab reaches the restart button', async () => {
    const project = suite.project();
    await useDemo(project);
    const watch = await startWatch(project, [], { readyTimeoutMs: 180_000 });
    const started = Date.now();
    const { page, requests, problems, csp } = await openPage(watch.url);
    expect(csp).toContain("default-src 'self'");

    // Every service of the demo, with a verdict.
    for (const service of DEMO_SERVICES) await page.waitForSelector(`[data-service="${service}"] [data-verdict]`);
    const web = project.container('web');
    await waitAllRunning([web, project.container('worker')], WAIT_MS);
    const row = `[data-container="${web}"]`;
    await page.waitForSelector(`${row}[data-state="running"]`);
    const listed = await page.$$eval('[data-service]', (cards) => cards.map((card) => card.getAttribute('data-service')));
    expect([...listed].sort()).toEqual([...DEMO_SERVICES].sort());

    // The event stream is open (a kill before that would reach the page only through /status).
    await page.waitForSelector('[data-stream="live"]');
    // Kill web: the page shows it leaving and coming back, with no reload in between.
    const before = (await tryInspect(web))!;
    await page.evaluate(recordStates(row));
    await podman(['kill', web]);
    await waitInPage(page, `(${LEFT_AND_BACK})(window.phoenixTest.seen)`, `${web} to leave and come back on the page`, 'window.phoenixTest.seen');
    await waitInPage(page, `document.querySelector(${JSON.stringify(row)})?.getAttribute('data-started') !== ${JSON.stringify(before.startedAt)}`, `${web}'s new start time on the page`, 'window.phoenixTest.seen');
    const after = (await page.evaluate('window.phoenixTest')) as { seen: string[]; mark: string };
    expect(after.mark).toBe('same document');
    expect(after.seen[0]).toBe('running');
    await page.waitForSelector(`[data-kind="container.died"]`);

    if (process.env.PHOENIX_PAGE_SCREENSHOT !== undefined) {
      writeFileSync(path.resolve(process.env.PHOENIX_PAGE_SCREENSHOT), await page.screenshot({ type: 'png', fullPage: true }));
    }

    // Keyboard: Tab from the top reaches web's restart button, and its focus is visible.
    await page.evaluate('document.activeElement?.blur()');
    let reached = false;
    for (let presses = 0; presses < 60 && !reached; presses++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate(`document.activeElement?.matches('[data-service="web"] button.restart') === true`)) as boolean;
    }
    expect(reached).toBe(true);
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).not.toBe('none');

    // A phone: one column of service cards and nothing wider than the screen.
    await page.setViewport({ width: 375, height: 800, isMobile: true, hasTouch: true });
    // Polled by time, not by animation frame (which a busy headless tab may not run), and
    // null-safe: a viewport with isMobile reloads the page, whose cards come back after /status.
    await page.waitForFunction(`(() => { const s = document.querySelector('.services'); return s !== null && getComputedStyle(s).gridTemplateColumns.split(' ').length === 1; })()`, { polling: 200 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);

    // Nothing but the page's own origin, and no error (a CSP violation is one).
    expect(requests.filter((url) => !url.startsWith(`${watch.url}/`))).toEqual([]);
    expect(problems).toEqual([]);

    console.log(`status page browser test: ${Date.now() - started} ms after watch was ready`);
  });

  it('restarts a service only with the token, shows the refusal without it, and tails its logs without the secret', async () => {
    const project = suite.project();
    await useDemo(project);
    const watch = await startWatch(project, ['--print-page-url'], { readyTimeoutMs: 180_000 });
    const started = Date.now();
    const token = readFileSync(path.join(project.stateDir, `watch-token-${new URL(watch.url).port}`), 'utf8').trim();
    const { page, problems } = await openPage(watch.url);
    const worker = project.container('worker');
    await waitAllRunning([worker], WAIT_MS);
    const card = '[data-service="worker"]';
    await page.waitForSelector(`${card} [data-container="${worker}"][data-state="running"]`);
    await page.waitForSelector('[data-stream="live"]');
    const before = (await tryInspect(worker))!;

    // A wrong token: the page says 401 on the card, forgets it, and nothing restarts.
    await page.click(`${card} button.restart`);
    await page.waitForSelector('dialog[open] #token-input');
    await page.type('#token-input', 'not-the-watch-token');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${card} [data-note="refused"]`);
    expect(await page.$eval(`${card} [data-note="refused"]`, (note) => note.textContent)).toMatch(/Refused \(401 PHX-API-UNAUTHORIZED\).*Nothing was restarted/);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect((await tryInspect(worker))!.startedAt).toBe(before.startedAt);
    expect(watch.events('service.restart-requested')).toEqual([]);

    // The right token: asked again, sent as a header, the container restarts and the event shows.
    await page.click(`${card} button.restart`);
    await page.waitForSelector('dialog[open] #token-input');
    await page.type('#token-input', token);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${card} [data-note="done"]`);
    expect((await tryInspect(worker))!.startedAt).not.toBe(before.startedAt);
    const requested = await watch.waitForEvent('the restart request event', WAIT_MS, (event) => event.event === 'service.restart-requested' && event.service === 'worker');
    expect(JSON.stringify(requested)).not.toContain(token);
    await page.waitForSelector('[data-kind="service.restart-requested"]');
    expect(page.url()).not.toContain(token);

    // The log tail, with the token kept for the tab (no second question), and never the secret.
    await page.click(`${card} button.logs`);
    await waitInPage(page, `document.querySelector('${card} .log-tail pre')?.textContent.includes('worker: web answered') === true`, "the worker's log lines", `document.querySelector('${card} .log-tail')?.textContent`);
    expect(await page.$('dialog[open]')).toBeNull();
    expect(await page.content()).not.toContain(demoTokenValue());

    // The address `phoenix watch --print-page-url` prints hands the token over in its fragment, which the page then drops.
    const printed = /open (http:\/\/\S+#token=\S+)/.exec(watch.stderr())?.[1];
    expect(printed).toBeDefined();
    const second = await browser!.newPage();
    await second.goto(printed!, { waitUntil: 'load' });
    await second.waitForSelector(`${card} button.logs`);
    expect(await second.evaluate('location.hash')).toBe('');
    await second.click(`${card} button.logs`);
    await waitInPage(second, `document.querySelector('${card} .log-tail pre') !== null`, 'the log tail opened with the token from the address', `document.querySelector('${card} .log-tail')?.textContent`);
    // Chromium logs the refused request itself (the 401 this test asked for); nothing else.
    expect(problems.filter((problem) => !/status of 401/.test(problem))).toEqual([]);
    console.log(`status page restart/logs browser test: ${Date.now() - started} ms after watch was ready`);
  });
});
