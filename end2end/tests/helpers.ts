import { expect, type Page, type TestInfo } from '@playwright/test';

export const PASSWORD = 'Xueshi@2026';
export const ADMIN = '13800000001';
export const TRAINEE = '13800000011';
export const OTHER_TRAINEE = '13800000012';
export const CAPTCHA = 'TEST';

/** Waits until the wasm has hydrated the page (only in the hydrated project). */
export async function ready(page: Page, testInfo: TestInfo) {
  if (testInfo.project.use.javaScriptEnabled !== false) {
    await expect(page.locator('html[data-hydrated="true"]')).toBeAttached();
  }
}

/** Opens the login page once its captcha image has arrived (the image draws the answer). */
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
