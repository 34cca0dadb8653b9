/**
 * The dashboard in a real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
 * sign in, create an app and a job, watch it fire, follow a running task's log live, kill it,
 * switch language. Screenshots of each main page land in test/artifacts/ (not committed).
 * Skipped, with a message, when Chromium is not installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { OasisWorker } from '@oasis/worker-client';
import type { RunningAdmin } from '../../server/src/main.js';
import { ApiClient } from '../helpers/api-client.js';
import { startInProcessAdmin, type InProcessAdmin } from '../helpers/in-process-admin.js';
import { TEST_ADMIN_PASSWORD as PASSWORD } from '../helpers/stores.js';

const CHROMIUM = process.env.OASIS_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = `${ROOT}test/artifacts`;

describe('dashboard in Chromium', function () {
  this.timeout(120_000);
  let world: InProcessAdmin;
  let admin: RunningAdmin;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  let worker: OasisWorker | null = null;

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
  const go = async (hash: string) => {
    await page.evaluate((h) => (location.hash = h), hash);
  };

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(`    (skipped: no Chromium at ${CHROMIUM}; install Debian's chromium package or set OASIS_CHROMIUM)`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    execFileSync(process.execPath, [`${ROOT}scripts/build-dashboard.mjs`], { stdio: 'ignore' });
    world = await startInProcessAdmin({ env: { OASIS_HEARTBEAT_MS: '500' } });
    admin = world.admin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    page = await context.newPage();
    // Chromium reports every Content-Security-Policy violation on the console ("Refused to …").
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('dialog', (d) => void d.accept(d.type() === 'prompt' ? d.defaultValue() : undefined));
  });

  after(async function () {
    await worker?.stop({ timeoutMs: 2000 }).catch(() => undefined);
    await browser?.close();
    await world?.close();
  });

  it('signs in', async function () {
    await page.goto(admin.url);
    await page.locator('#username').fill('admin');
    await page.locator('#password').fill(PASSWORD);
    await shot('01-login');
    await page.locator('button[type=submit]').click();
    await page.locator('nav a[href="#/overview"]').waitFor();
    // The session is an httpOnly cookie the page cannot read.
    expect(await page.evaluate(() => document.cookie)).to.not.include('oasis_session');
  });

  it('creates an app and shows its worker token once, then a worker connects', async function () {
    await go('#/apps');
    await page.locator('#new-app-name').fill('web');
    await page.locator('#new-app-title').fill('Web shop');
    await page.getByRole('button', { name: 'New app' }).click();
    const token = (await page.locator('#token').textContent())?.trim() ?? '';
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    await shot('03-apps');

    worker = new OasisWorker({ url: admin.url, app: 'web', token, concurrency: 4 });
    worker.handle('hello', async (ctx) => {
      ctx.log('hello from the browser test');
      return { ok: true };
    });
    worker.handle('slow', async (ctx) => {
      for (let i = 1; !ctx.signal.aborted && i < 600; i++) {
        ctx.log(`tick ${i}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      return 'stopped';
    });
    await worker.start();
    await go('#/workers/web');
    await page.locator('oasis-worker-list td', { hasText: 'hello, slow' }).waitFor();
    await shot('04-workers');
  });

  it('creates a job with the form and watches it fire', async function () {
    await go('#/jobs/new');
    await page.locator('#name').fill('greet');
    await page.locator('#handler').fill('hello');
    await page.locator('#scheduleType').selectOption('FIXED_RATE');
    await page.locator('#everyMs').fill('1000');
    await page.locator('#preview ol, #preview .error').first().waitFor();
    await shot('06-job-form');
    await page.locator('#save-job').click();
    await page.waitForFunction(() => /^#\/jobs\/\d+$/.test(location.hash));

    await go('#/jobs');
    await page.locator('oasis-job-list th a', { hasText: 'greet' }).waitFor();
    await shot('05-jobs');

    await go('#/logs');
    await page.locator('oasis-log-list .badge', { hasText: 'SUCCESS' }).first().waitFor({ timeout: 20_000 });
    await shot('07-logs');
    await page.locator('oasis-log-list tbody tr', { hasText: 'SUCCESS' }).first().locator('a').click();
    await page.locator('#log-text', { hasText: 'hello from the browser test' }).waitFor();
  });

  it('follows a running task’s log live and kills it', async function () {
    const api = new ApiClient(admin.url);
    await api.login('admin', PASSWORD);
    const job = await api.ok<{ id: number }>('POST', '/api/v1/jobs', { app: 'web', name: 'slow', handler: 'slow', schedule: { type: 'NONE' } });
    await go('#/jobs');
    await page.locator(`tr[data-job="${job.id}"] button[data-action="Run once"]`).click();
    const message = await page.locator('oasis-job-list [role=status]', { hasText: 'Queued task' }).textContent();
    const taskId = /task (\S+)\./.exec(message ?? '')?.[1] ?? '';
    expect(taskId).to.match(/^\d+-/);
    await go(`#/logs/${encodeURIComponent(taskId)}`);
    await page.locator('#log-text', { hasText: 'tick 3' }).waitFor();
    // Still coming in while we watch.
    await page.locator('#log-text', { hasText: 'tick 8' }).waitFor();
    await shot('08-log-detail');
    await page.locator('#kill').click();
    await page.locator('#status', { hasText: 'KILLED' }).waitFor({ timeout: 20_000 });
  });

  it('shows users and the audit log', async function () {
    await go('#/users');
    await page.locator('oasis-user-list th', { hasText: 'admin' }).waitFor();
    // A new user gets the least power unless the admin picks more.
    expect(await page.locator('#new-role').inputValue()).to.equal('VIEWER');
    await shot('09-users');
    await go('#/audit');
    await page.locator('oasis-audit-list code', { hasText: 'job.create' }).first().waitFor();
    await shot('10-audit');
  });

  it('switches to 简体中文 and remembers it', async function () {
    await go('#/overview');
    await page.locator('#lang').selectOption('zh-CN');
    await page.locator('nav a', { hasText: '概览' }).waitFor();
    await page.reload();
    await page.locator('nav a', { hasText: '任务' }).waitFor();
    await page.locator('oasis-overview .card').first().waitFor();
    await page.waitForTimeout(800);
    await shot('02-overview-zh');
    await page.locator('#lang').selectOption('en');
    await page.locator('nav a', { hasText: 'Overview' }).waitFor();
    await page.waitForTimeout(500);
    await shot('02-overview');
  });

  it('works on a narrow screen', async function () {
    await page.setViewportSize({ width: 390, height: 844 });
    await go('#/jobs');
    await page.locator('oasis-job-list th a', { hasText: 'greet' }).waitFor();
    await shot('11-jobs-narrow');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(1);
  });

  it('ran every page under the admin’s Content-Security-Policy without a violation', async function () {
    expect(cspViolations).to.deep.equal([]);
  });
});
