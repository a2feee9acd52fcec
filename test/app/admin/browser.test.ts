// CONTRACT-admin in a real browser: headless Chromium (Debian's, installed by .ci/run) driven by
// Playwright. An admin logs in with a TOTP code, finds a user by a name substring, disables them
// and reads the audit entry; no page logs a console error or has a serious accessibility
// violation (axe-core). Saves the screenshots of docs/operations.md "Operating the service".
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { app, mock } from 'egg-mock/bootstrap';
import { totpCode } from '../../../app/lib/admin/totp';
import { insertUser } from '../../helpers';
import { listen } from '../messaging/support';
import { ADMIN_PASSWORD, createAdmin, refreshFigures } from './support';

const IMAGES = path.join(__dirname, '..', '..', '..', 'docs', 'images');
const FLAGS = [ '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync' ];

describe('operator console in headless Chromium', function() {
  this.timeout(120000);
  const server = listen();
  let profile = '';
  let context: BrowserContext | undefined;
  let page: Page;
  const problems: string[] = [];

  /** A fresh browser (its own new profile) whose pages ask for `locale`; console errors are collected. */
  async function open(locale: string) {
    profile = mkdtempSync(path.join(os.tmpdir(), 'im-admin-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: FLAGS,
      viewport: { width: 1280, height: 900 }, locale,
    });
    page = await context.newPage();
    page.on('console', message => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('pageerror', err => problems.push(`page error: ${err.message}`));
    page.on('dialog', dialog => dialog.accept());
  }

  beforeEach(() => { problems.length = 0; });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    if (profile) rmSync(profile, { recursive: true, force: true });
    mock.restore();
  });

  /** axe-core on the page as it is: no serious or critical violation. */
  async function accessible(what: string) {
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`), [], what);
  }

  it('logs in with a TOTP code, finds a user by a name substring, disables them and sees the audit entry', async () => {
    // In English: the screenshots of the docs (and this machine's Chromium may have no CJK font); the other test reads Chinese.
    await open('en-US');
    const { secret } = await createAdmin('ops_root', 'super', true);
    // Avatars served by the app: the test has no network for the default avatar's host.
    mock(app.config.im.user, 'defaultAvatar', '/admin/assets/avatar.svg');
    const alice = await insertUser({ username: 'wonderland_alice', nickname: 'Alice' });
    await insertUser({ username: 'bob_builder' });
    await insertUser({ username: 'visitor_x1', role: 'visitor' });
    await refreshFigures();

    await page.goto(`${server.base}/admin`);
    assert.equal(new URL(page.url()).pathname, '/admin/login');
    await accessible('login page');
    await page.fill('#username', 'ops_root');
    await page.fill('#password', ADMIN_PASSWORD);
    await page.fill('#otp', totpCode(secret!));
    await Promise.all([ page.waitForURL(`${server.base}/admin`), page.click('form.card button[type=submit]') ]);
    await page.waitForFunction(() => document.querySelectorAll('canvas').length === 2 &&
      [ ...document.querySelectorAll('canvas') ].every(c => (c as HTMLCanvasElement).width > 0));
    assert.equal(await page.textContent('#fig-users'), '2');
    assert.equal(await page.textContent('#fig-visitors'), '1');
    await accessible('dashboard');
    await page.screenshot({ path: path.join(IMAGES, 'admin-dashboard.png'), fullPage: true });

    await page.click('nav a[href="/admin/users"]');
    await page.fill('#q', 'derla');
    await Promise.all([ page.waitForURL(/q=derla/), page.click('form.filters button[type=submit]') ]);
    const names = await page.locator('tbody td a').allTextContents();
    assert.deepEqual(names, [ 'wonderland_alice' ]);
    await accessible('users page');
    await Promise.all([ page.waitForURL(`${server.base}/admin/users/${alice.id}`), page.click('tbody td a') ]);
    await accessible('user page');
    await page.screenshot({ path: path.join(IMAGES, 'admin-user.png'), fullPage: true });

    await Promise.all([ page.waitForURL(`${server.base}/admin/users/${alice.id}`), page.click(`form[action="/admin/users/${alice.id}/disable"] button`) ]);
    assert.equal((await page.textContent('.notice'))?.trim(), 'User disabled, their sockets closed');
    assert.equal(await page.textContent('#user-status'), 'disabled');
    assert.equal((await app.repos.admin.findUser(alice.id))!.status, 0);

    await page.click('nav a[href="/admin/audit"]');
    const actions = await page.locator('#audit-table tbody tr td:nth-child(4)').allTextContents();
    assert.equal(actions[0], 'user.disable');
    assert.ok(actions.includes('login.ok'));
    await accessible('audit page');

    await page.click('nav a[href="/admin/me/2fa"]');
    await accessible('2FA page');
    await page.click('nav a[href="/admin/admins"]');
    await accessible('admins page');
    assert.deepEqual(problems, []);
  });

  it('enrolls 2FA from the QR page on a phone-sized screen', async () => {
    await open('zh-CN');
    await createAdmin('ops_two', 'operator');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.base}/admin/login`);
    await page.fill('#username', 'ops_two');
    await page.fill('#password', ADMIN_PASSWORD);
    await Promise.all([ page.waitForURL(`${server.base}/admin`), page.click('form.card button[type=submit]') ]);
    await page.goto(`${server.base}/admin/me/2fa`);
    assert.ok(await page.isVisible('#twofa-qr'));
    const secret = (await page.textContent('#twofa-secret'))!.trim();
    await accessible('2FA enrollment on a phone');
    await page.fill('#e-otp', totpCode(secret));
    await Promise.all([ page.waitForURL(`${server.base}/admin`), page.click('form.card button[type=submit]') ]);
    assert.equal((await page.textContent('.notice'))?.trim(), '两步验证已开启');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide on a 390 px screen`);
    assert.deepEqual(problems, []);
  });
});
