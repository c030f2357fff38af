// The customer pages in a real headless Chromium on a phone-sized screen.
// Run by tests/customer_browser.rs, which starts the server with seeded cases
// and passes what a customer would know in the environment:
//
//   CARDDESK_BASE_URL            http://127.0.0.1:PORT
//   CARDDESK_ZH_CODE / _ID / _LAST_FOUR   a Chinese-speaking customer's case
//   CARDDESK_EN_CODE / _ID / _LAST_FOUR   an English-speaking customer's case
//   CARDDESK_REVIEW_CODE / _ID            a case a supervisor must approve
//   CARDDESK_PASSWORD, CARDDESK_WRONG_PASSWORD
//   CARDDESK_SCREENSHOTS         where the screenshots go
//   CHROMIUM                     the browser (default /usr/bin/chromium)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through tests/customer_browser.rs)`);
  return value;
}

const BASE = need('CARDDESK_BASE_URL');
const PASSWORD = need('CARDDESK_PASSWORD');
const WRONG_PASSWORD = need('CARDDESK_WRONG_PASSWORD');
const SHOTS = need('CARDDESK_SCREENSHOTS');
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';

// testing.md: without the background-networking flags Chromium floods the
// closed network with refused connections.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Chrome/156.0.0.0 Mobile Safari/537.36',
};

const profiles = [];

before(() => mkdirSync(SHOTS, { recursive: true }));
after(() => {
  for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
});

/** A phone browser with a fresh profile, speaking `locale`. */
async function phone(locale) {
  const profile = mkdtempSync(join(tmpdir(), 'carddesk-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: EXECUTABLE,
    headless: true,
    args: ARGS,
    locale,
    ...PHONE,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Chromium reports CSP violations (an inline style, a script) and failed
  // loads as console errors: a page that needs either is broken under our
  // CSP. A page answered with a 4xx status on purpose (the failed attempt's
  // 401) is logged as a failed load too: those are checked where they happen.
  const problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(text);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('response', (r) => {
    if (r.request().resourceType() === 'stylesheet' && r.status() !== 200) {
      problems.push(`stylesheet ${r.url()} answered ${r.status()}`);
    }
  });
  return { context, page, problems };
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Runs `action` (a click) and waits for the page it leads to at `path`;
 * returns that page's answer (after any redirect).
 */
async function follow(page, path, action) {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.request().resourceType() === 'document' && new URL(r.url()).pathname === path,
    ),
    action(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

async function heading(page) {
  return (await page.locator('h1').textContent()).trim();
}

/** Checks what every page must carry and show. */
async function checkPage(page, response, lang) {
  assert.ok(response, 'the page answered');
  const headers = response.headers();
  assert.match(headers['content-security-policy'] ?? '', /default-src 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'no-referrer');
  assert.equal(await page.locator('html').getAttribute('lang'), lang);
  // The stylesheet applied (the CSP let it in): the top bar is coloured.
  const bar = await page.locator('.topbar').evaluate((el) => getComputedStyle(el).backgroundImage);
  assert.match(bar, /gradient/, 'the stylesheet is applied');
  // Phone-sized: nothing wider than the screen.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px screen`);
}

test('a customer opens the link, confirms the card, enters ID and password, and sees the card unfrozen (zh-CN)', async () => {
  const code = need('CARDDESK_ZH_CODE');
  const { context, page, problems } = await phone('zh-CN');
  try {
    let response = await page.goto(`${BASE}/u/${code}`);
    await checkPage(page, response, 'zh-CN');
    assert.equal(await heading(page), '解冻您的银行卡');
    await shot(page, '01-link-zh');

    // Opening the link twice spends nothing; the POST does.
    response = await page.reload();
    assert.equal(response.status(), 200);
    response = await follow(page, '/u/card', () => page.getByRole('button', { name: '继续' }).click());
    await checkPage(page, response, 'zh-CN');
    assert.equal(await heading(page), '这是您的银行卡吗？');
    assert.equal((await page.locator('.last-four').textContent()).trim(), need('CARDDESK_ZH_LAST_FOUR'));
    await shot(page, '02-card-zh');

    response = await follow(page, '/u/details', () =>
      page.getByRole('link', { name: '是的，这是我的卡' }).click(),
    );
    await checkPage(page, response, 'zh-CN');
    assert.equal(await heading(page), '验证您的身份');
    assert.match(await page.locator('.attempts').textContent(), /剩余 3 次/);
    await page.getByLabel('居民身份证号码').fill(need('CARDDESK_ZH_ID'));
    await page.getByLabel('交易密码').fill(PASSWORD);
    await shot(page, '03-details-zh');

    response = await follow(page, '/u/result', () =>
      page.getByRole('button', { name: '解冻银行卡' }).click(),
    );
    await checkPage(page, response, 'zh-CN');
    assert.equal(await page.locator('#result').getAttribute('data-outcome'), 'unfrozen');
    assert.equal(await heading(page), '银行卡已解冻');
    await shot(page, '04-unfrozen-zh');

    // The session lives in an HttpOnly, SameSite=Strict cookie, never in a URL.
    const session = (await context.cookies()).find((c) => c.name === 'cd_s');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(!page.url().includes(session.value));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a wrong attempt shows the generic failure, then the right details unfreeze the card (en)', async () => {
  const code = need('CARDDESK_EN_CODE');
  const { context, page, problems } = await phone('en-US');
  try {
    // The code typed by hand, after a look at the other language.
    let response = await page.goto(`${BASE}/u`);
    await checkPage(page, response, 'en');
    assert.equal(await heading(page), 'Unfreeze your card');
    await page.getByRole('link', { name: '中文' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await shot(page, '05-start-zh');
    await page.getByRole('link', { name: 'English' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByLabel('Unfreeze code').fill(code.toLowerCase());
    await shot(page, '05-start-en');
    response = await follow(page, '/u/card', () =>
      page.getByRole('button', { name: 'Continue' }).click(),
    );
    await checkPage(page, response, 'en');
    assert.equal((await page.locator('.last-four').textContent()).trim(), need('CARDDESK_EN_LAST_FOUR'));
    await shot(page, '06-card-en');

    response = await follow(page, '/u/details', () =>
      page.getByRole('link', { name: 'Yes, this is my card' }).click(),
    );
    await checkPage(page, response, 'en');
    await page.getByLabel('Resident ID card number').fill(need('CARDDESK_EN_ID'));
    await page.getByLabel('Transaction password').fill(WRONG_PASSWORD);
    response = await follow(page, '/u/details', () =>
      page.getByRole('button', { name: 'Unfreeze my card' }).click(),
    );
    assert.equal(response.status(), 401);
    await checkPage(page, response, 'en');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const message = (await alert.textContent()).trim();
    assert.equal(
      message,
      'The details you entered do not match our records. You have 2 attempts left.',
    );
    assert.doesNotMatch(message, /password|ID number|passport/i, 'names no credential');
    assert.match(await page.locator('.attempts').textContent(), /2 attempts left/);
    await shot(page, '07-failure-en');

    // The same failure in Chinese.
    await page.getByRole('link', { name: '中文' }).click();
    await page.getByLabel('居民身份证号码').fill(need('CARDDESK_EN_ID'));
    await page.getByLabel('交易密码').fill(WRONG_PASSWORD);
    await page.getByRole('button', { name: '解冻银行卡' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(
      (await page.getByRole('alert').textContent()).trim(),
      '您输入的信息与我们的记录不符。您还可以尝试 1 次。',
    );
    await shot(page, '08-failure-zh');
    await page.getByRole('link', { name: 'English' }).click();

    await page.getByLabel('Resident ID card number').fill(need('CARDDESK_EN_ID'));
    await page.getByLabel('Transaction password').fill(PASSWORD);
    response = await follow(page, '/u/result', () =>
      page.getByRole('button', { name: 'Unfreeze my card' }).click(),
    );
    await checkPage(page, response, 'en');
    assert.equal(await page.locator('#result').getAttribute('data-outcome'), 'unfrozen');
    assert.equal(await heading(page), 'Your card is unfrozen');
    await shot(page, '09-unfrozen-en');

    response = await page.goto(`${BASE}/u/not-mine`);
    await checkPage(page, response, 'en');
    await shot(page, '10-not-mine-en');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a case that needs approval says so, and its spent link opens nothing (zh-CN)', async () => {
  const code = need('CARDDESK_REVIEW_CODE');
  const { context, page, problems } = await phone('zh-CN');
  try {
    await page.goto(`${BASE}/u/${code}`);
    await follow(page, '/u/card', () => page.getByRole('button', { name: '继续' }).click());
    await follow(page, '/u/details', () =>
      page.getByRole('link', { name: '是的，这是我的卡' }).click(),
    );
    await page.getByLabel('居民身份证号码').fill(need('CARDDESK_REVIEW_ID'));
    await page.getByLabel('交易密码').fill(PASSWORD);
    let response = await follow(page, '/u/result', () =>
      page.getByRole('button', { name: '解冻银行卡' }).click(),
    );
    await checkPage(page, response, 'zh-CN');
    assert.equal(await page.locator('#result').getAttribute('data-outcome'), 'awaiting_approval');
    assert.equal(await heading(page), '身份已核实');
    await shot(page, '11-awaiting-approval-zh');

    // The text message's link again: the code is spent.
    await page.goto(`${BASE}/u/${code}`);
    // The form posts to the code's canonical form (no dash, upper case).
    response = await follow(page, `/u/${code.replaceAll('-', '').toUpperCase()}`, () =>
      page.getByRole('button', { name: '继续' }).click(),
    );
    assert.equal(response.status(), 409);
    assert.equal(await page.locator('#result').getAttribute('data-outcome'), 'code_used');
    await shot(page, '12-code-used-zh');

    // "Not my card" in Chinese.
    await page.goto(`${BASE}/u/not-mine`);
    assert.equal(await heading(page), '请勿继续操作');
    await shot(page, '13-not-mine-zh');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
