import { type Browser, expect, type Page, type TestInfo } from '@playwright/test';

export const PASSWORD = 'Xueshi@2026';
export const ADMIN = '13800000001';
export const TRAINEE = '13800000011';
export const OTHER_TRAINEE = '13800000012';
export const CAPTCHA = 'TEST';

/** Waits until the wasm has hydrated the page (only in the hydrated project). */
export async function ready(page: Page, testInfo: TestInfo) {
  if (testInfo.project.use.javaScriptEnabled !== false) {
    // Generous: the debug wasm is large and two workers share two cores.
    await expect(page.locator('html[data-hydrated="true"]')).toBeAttached({ timeout: 30_000 });
  }
}

/** Opens the login page once its captcha image (issued with the page) has arrived. */
export async function openLogin(page: Page, testInfo: TestInfo, path = '/login') {
  const captchaDrawn = page.waitForResponse((r) => r.url().includes('/captcha/') && r.ok());
  await page.goto(path);
  await captchaDrawn;
  await ready(page, testInfo);
}

export async function fillLogin(page: Page, testInfo: TestInfo, account: string, password: string, captcha = CAPTCHA) {
  await openLogin(page, testInfo);
  await page.getByLabel('账号').fill(account);
  await page.getByLabel('密码').fill(password);
  await page.getByLabel('验证码', { exact: true }).fill(captcha);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

export async function login(page: Page, testInfo: TestInfo, account: string) {
  await fillLogin(page, testInfo, account, PASSWORD);
  await expect(page).not.toHaveURL(/\/login/);
  await ready(page, testInfo);
}

/** A title no other test (or the other project) uses. */
export function unique(testInfo: TestInfo, text: string) {
  return `${text}-${testInfo.project.name}-${Date.now()}`;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** A valid ID number (GB 11643) unique to this test run and seed. */
export function makeIdNumber(seed: number): string {
  const day = String((seed % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(seed / 28) % 12) + 1).padStart(2, '0');
  const sequence = String(Math.floor(Date.now() / 7 + seed) % 1000).padStart(3, '0');
  const first17 = `510104${1970 + (seed % 30)}${month}${day}${sequence}`;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * ID_WEIGHTS[i], 0);
  return first17 + ID_CHECK[sum % 11];
}

const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** A valid unified social credit code (GB 32100) registered in Chengdu. */
export function makeCreditCode(seed: number): string {
  const tail = String(Date.now() + seed).slice(-8);
  const first17 = `91510100M${tail}`;
  const sum = [...first17].reduce((acc, c, i) => acc + CREDIT_ALPHABET.indexOf(c) * CREDIT_WEIGHTS[i], 0);
  return first17 + CREDIT_ALPHABET[(31 - (sum % 31)) % 31];
}

/** A phone number unique to this run, test and project. */
export function makePhone(testInfo: TestInfo, n: number): string {
  const project = testInfo.project.name === 'no-js' ? '6' : '5';
  return `13${project}${String((Date.now() + n * 7919) % 100_000_000).padStart(8, '0')}`;
}

/** The newest SMS to `phone`, read by the platform admin at /admin/outbox. */
export async function lastSms(browser: Browser, phone: string): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const info = { project: { use: { javaScriptEnabled: false } } } as unknown as TestInfo;
  await login(page, info, ADMIN);
  await page.goto(`/admin/outbox?recipient=${phone}`);
  const text = (await page.getByTestId('outbox-body').first().textContent()) ?? '';
  await context.close();
  return text;
}

export function codeIn(sms: string): string {
  const match = sms.match(/验证码为(\d{6})/) ?? sms.match(/(?<!\d)(\d{6})(?!\d)/);
  if (!match) throw new Error(`no code in: ${sms}`);
  return match[1];
}

/** Picks region and unit on a page with the unit picker, with or without wasm. */
export async function chooseUnit(page: Page, testInfo: TestInfo, region: string, unitName: string) {
  const hydrated = testInfo.project.use.javaScriptEnabled !== false;
  await page.getByLabel('所在地区').selectOption(region);
  if (hydrated) {
    await expect(page).toHaveURL(new RegExp(`region=${region}`));
  } else {
    await page.getByRole('button', { name: '确定所选地区和单位' }).click();
  }
  await page.getByLabel('所属单位', { exact: true }).selectOption({ label: unitName });
  if (hydrated) {
    await expect(page).toHaveURL(/unit=\d+/);
  } else {
    await page.getByRole('button', { name: '确定所选地区和单位' }).click();
  }
  await ready(page, testInfo);
}
