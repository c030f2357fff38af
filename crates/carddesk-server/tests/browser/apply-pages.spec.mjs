// The applicant's pages (virtual cards) in a real headless Chromium on a
// phone-sized screen. Run by tests/customer_browser.rs
// (apply_browser/mod.rs), which starts the server, enrols a card holder and
// plays the bank while this runs: it writes the code texted to the phone on
// file into CARDDESK_CODE_FILE, and an agent passes every queued interview.
//
//   CARDDESK_BASE_URL                     http://127.0.0.1:PORT
//   CARDDESK_HOLDER_ID / _CARD            a customer holding an active card
//   CARDDESK_PASSWORD, CARDDESK_WRONG_PASSWORD
//   CARDDESK_FIRST_ID, CARDDESK_RECORDER_ID   people without a card
//   CARDDESK_CODE_FILE                    where the texted code appears
//   CARDDESK_FIXTURES                     the media test fixtures
//   CARDDESK_SCREENSHOTS                  where the screenshots go
//   CHROMIUM                              the browser (default /usr/bin/chromium)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through tests/customer_browser.rs)`);
  return value;
}

const BASE = need('CARDDESK_BASE_URL');
const SHOTS = need('CARDDESK_SCREENSHOTS');
const FIXTURES = need('CARDDESK_FIXTURES');
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';

// As in customer-pages.spec.mjs; the fake camera only where asked.
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
const FAKE_CAMERA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

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
async function phone(locale, { javaScript = true, camera = false } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'carddesk-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: EXECUTABLE,
    headless: true,
    args: camera ? [...ARGS, ...FAKE_CAMERA] : ARGS,
    locale,
    javaScriptEnabled: javaScript,
    ...PHONE,
  });
  if (camera) await context.grantPermissions(['camera', 'microphone'], { origin: BASE });
  const page = context.pages()[0] ?? (await context.newPage());
  // CSP violations and failed loads are console errors: a page that needs
  // an inline script or style is broken under our CSP. Answers with a 4xx
  // on purpose are checked where they happen.
  const problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(text);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('response', (r) => {
    const kind = r.request().resourceType();
    if ((kind === 'stylesheet' || kind === 'script') && r.status() !== 200) {
      problems.push(`${kind} ${r.url()} answered ${r.status()}`);
    }
  });
  return { context, page, problems };
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Runs `action` and returns the answer of the document at `path` it leads
 * to: the page itself, never a redirect (a form may post to the page it
 * comes back to).
 */
async function follow(page, path, action) {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) =>
        r.request().resourceType() === 'document' &&
        new URL(r.url()).pathname === path &&
        (r.status() < 300 || r.status() >= 400),
    ),
    action(),
  ]);
  await page.waitForLoadState('load');
  return response;
}

async function heading(page) {
  return (await page.locator('h1').textContent()).trim();
}

/** What every application page carries. */
async function checkPage(page, response, lang) {
  assert.ok(response, 'the page answered');
  const headers = response.headers();
  assert.match(headers['content-security-policy'] ?? '', /default-src 'none'; script-src 'self'/);
  assert.equal(headers['cache-control'], 'no-store');
  assert.equal(await page.locator('html').getAttribute('lang'), lang);
  const bar = await page.locator('.topbar').evaluate((el) => getComputedStyle(el).backgroundImage);
  assert.match(bar, /gradient/, 'the stylesheet is applied');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width}px wide on a 390px screen`);
}

/** Waits for the bank's side to write the texted code. */
async function texted(previous) {
  const file = need('CARDDESK_CODE_FILE');
  for (let i = 0; i < 300; i++) {
    try {
      const code = readFileSync(file, 'utf8').trim();
      if (code && code !== previous) return code;
    } catch {
      // Not written yet.
    }
    await sleep(100);
  }
  throw new Error('no code was texted');
}

/** Fills in the application form (labels in `t`) and submits it. */
async function apply(page, t, idNumber) {
  await page.getByLabel(t.name).fill(t.fullName);
  await page.getByLabel(t.resident).check();
  await page.getByLabel(t.number, { exact: true }).fill(idNumber);
  await page.getByLabel(t.phone).fill('13912345678');
  await page.getByLabel(t.product).check();
  await page.getByLabel(t.language).selectOption(t.languageTag);
  await page.getByLabel(t.terms).check();
  await page.getByLabel(t.recording).check();
}

const EN = {
  name: 'Full name',
  fullName: 'Wang Fang',
  resident: 'Resident ID card',
  number: 'Document number',
  phone: 'Mobile phone',
  product: 'Great Wall Virtual Credit',
  language: 'Language of text messages',
  languageTag: 'en',
  terms: 'I have read and agree to the terms above',
  recording: 'I agree that my video interview is recorded and kept by the bank',
  submit: 'Apply',
};

const ZH = {
  name: '姓名',
  fullName: '王芳',
  resident: '居民身份证',
  number: '证件号码',
  phone: '手机号码',
  product: '长城虚拟借记卡',
  language: '短信语言',
  languageTag: 'zh-CN',
  terms: '我已阅读并同意上述条款',
  recording: '我同意本行录制并保存我的视频面签',
  submit: '提交申请',
};

test('a card holder applies, proves their card, enters the texted code and sees the card once (en)', async () => {
  const { context, page, problems } = await phone('en-US');
  try {
    let response = await page.goto(`${BASE}/apply`);
    await checkPage(page, response, 'en');
    assert.equal(await heading(page), 'Apply for a virtual card');
    assert.match(await page.locator('#consent-version').textContent(), /Terms version \S+/);
    await apply(page, EN, need('CARDDESK_HOLDER_ID'));
    await shot(page, '01-apply-en');
    response = await follow(page, '/apply/two-card', () =>
      page.getByRole('button', { name: EN.submit, exact: true }).click(),
    );
    await checkPage(page, response, 'en');
    assert.equal(await heading(page), 'Confirm with your card');
    const session = (await context.cookies()).find((c) => c.name === 'cd_as');
    assert.ok(session, 'the application session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/apply');

    await page.getByLabel('Card number').fill(need('CARDDESK_HOLDER_CARD'));
    await page.getByLabel('Transaction password').fill(need('CARDDESK_WRONG_PASSWORD'));
    response = await follow(page, '/apply/two-card', () =>
      page.getByRole('button', { name: 'Text me a code' }).click(),
    );
    assert.equal(response.status(), 401);
    assert.equal(
      (await page.getByRole('alert').textContent()).trim(),
      'The details you entered do not match our records. You have 2 attempts left.',
    );
    await shot(page, '02-two-card-failed-en');
    await page.getByLabel('Card number').fill(need('CARDDESK_HOLDER_CARD'));
    await page.getByLabel('Transaction password').fill(need('CARDDESK_PASSWORD'));
    response = await follow(page, '/apply/code', () =>
      page.getByRole('button', { name: 'Text me a code' }).click(),
    );
    await checkPage(page, response, 'en');
    assert.equal(await heading(page), 'Enter the code');
    await page.getByLabel('Six-digit code').fill(await texted());
    await shot(page, '03-code-en');
    response = await follow(page, '/apply/status', () =>
      page.getByRole('button', { name: 'Confirm and get my card' }).click(),
    );
    await checkPage(page, response, 'en');
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'issued');
    assert.equal(await heading(page), 'Your virtual card is ready');
    await shot(page, '04-issued-en');

    response = await follow(page, '/apply/card', () =>
      page.getByRole('button', { name: 'Show my card details (shown only once)' }).click(),
    );
    await checkPage(page, response, 'en');
    const number = (await page.locator('#card-number').textContent()).trim();
    assert.match(number, /^6258 99\d\d \d{4} \d{4}$/, 'the credit product\'s BIN');
    assert.match((await page.locator('#card-security-code').textContent()).trim(), /^\d{3}$/);
    assert.match(await page.getByRole('alert').textContent(), /will not be shown again/);
    await shot(page, '05-card-shown-once-en');

    response = await follow(page, '/apply/status', () =>
      page.getByRole('link', { name: 'I have saved them' }).click(),
    );
    assert.equal(await page.getByRole('button', { name: /Show my card details/ }).count(), 0);
    assert.match(await page.locator('#already-shown').textContent(), /shown once/);
    assert.ok(!(await page.content()).includes(number), 'the number is not shown again');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('without JavaScript, a first-time applicant uploads the interview, waits for an agent and gets the card (zh-CN)', async () => {
  const { context, page, problems } = await phone('zh-CN', { javaScript: false });
  try {
    let response = await page.goto(`${BASE}/apply`);
    await checkPage(page, response, 'zh-CN');
    assert.equal(await heading(page), '申请虚拟卡');
    await apply(page, ZH, need('CARDDESK_FIRST_ID'));
    response = await follow(page, '/apply/interview', () =>
      page.getByRole('button', { name: ZH.submit }).click(),
    );
    await checkPage(page, response, 'zh-CN');
    assert.equal(await heading(page), '视频面签');
    assert.equal(await page.locator('#recorder').isHidden(), true, 'no script: no recorder');

    // Not a photo: said clearly, nothing kept.
    await page.locator('#id_front').setInputFiles(join(FIXTURES, 'not_an_image.jpg'));
    response = await follow(page, '/apply/interview', () =>
      page.getByRole('button', { name: '上传', exact: true }).click(),
    );
    assert.equal(response.status(), 422);
    assert.match(await page.getByRole('alert').textContent(), /^证件正面照片无法接收/);
    assert.equal(await page.locator('[data-kind="id_front"]').getAttribute('data-received'), 'no');
    await shot(page, '06-bad-upload-zh');

    await page.locator('#id_front').setInputFiles(join(FIXTURES, 'image_64.jpg'));
    await page.locator('#id_back').setInputFiles(join(FIXTURES, 'image_64.png'));
    response = await follow(page, '/apply/interview', () =>
      page.getByRole('button', { name: '上传', exact: true }).click(),
    );
    assert.equal(await page.locator('[data-kind="id_back"]').getAttribute('data-received'), 'yes');
    assert.equal(await page.locator('[data-kind="video"]').getAttribute('data-received'), 'no');
    await shot(page, '07-two-uploaded-zh');
    await page.locator('#selfie').setInputFiles(join(FIXTURES, 'image_64.jpg'));
    await page.locator('#video').setInputFiles(join(FIXTURES, 'video_2s_mediarecorder.webm'));
    response = await follow(page, '/apply/status', () =>
      page.getByRole('button', { name: '上传', exact: true }).click(),
    );
    await checkPage(page, response, 'zh-CN');
    // The bank's agent takes a few seconds to come.
    assert.equal(await page.locator('#status').getAttribute('data-step'), 'queued');
    assert.equal(await heading(page), '正在等待工作人员审核');
    await shot(page, '08-waiting-zh');

    // The page reloads itself (<meta refresh>, no script) until the
    // agent's decision shows.
    await page.locator('#status[data-state="issued"]').waitFor({ timeout: 60_000 });
    assert.equal(await heading(page), '您的虚拟卡已开通');
    await shot(page, '09-issued-zh');
    response = await follow(page, '/apply/card', () =>
      page.getByRole('button', { name: '查看卡号与安全码（仅显示一次）' }).click(),
    );
    assert.match((await page.locator('#card-number').textContent()).trim(), /^6217 99/);
    await shot(page, '10-card-shown-once-zh');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the recorder records the video with the camera into the form, and the upload takes it (en)', async () => {
  const { context, page, problems } = await phone('en-GB', { camera: true });
  try {
    await page.goto(`${BASE}/apply`);
    await apply(page, EN, need('CARDDESK_RECORDER_ID'));
    await follow(page, '/apply/interview', () =>
      page.getByRole('button', { name: EN.submit, exact: true }).click(),
    );
    // The script found MediaRecorder and showed its panel.
    await page.getByRole('button', { name: 'Record with my camera' }).click();
    await page.getByRole('button', { name: 'Stop recording' }).waitFor();
    await sleep(2500);
    await shot(page, '11-recording-en');
    await page.getByRole('button', { name: 'Stop recording' }).click();
    await page.getByText('Your video is recorded').waitFor();
    const file = await page
      .locator('#video')
      .evaluate((input) => ({ n: input.files.length, type: input.files[0]?.type, size: input.files[0]?.size }));
    assert.equal(file.n, 1);
    assert.match(file.type, /^video\/(webm|mp4)$/);
    assert.ok(file.size > 1000, `a recording of ${file.size} bytes`);

    await follow(page, '/apply/interview', () =>
      page.getByRole('button', { name: 'Upload', exact: true }).click(),
    );
    assert.equal(await page.getByRole('alert').count(), 0, 'the recording was taken');
    assert.equal(await page.locator('[data-kind="video"]').getAttribute('data-received'), 'yes');
    await shot(page, '12-recorded-uploaded-en');

    await follow(page, '/apply/status', () =>
      page.getByRole('button', { name: 'Withdraw my application' }).click(),
    );
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'withdrawn');
    assert.equal(await heading(page), 'Application withdrawn');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
