import { expect, test } from '@playwright/test';
import { openLogin, ready } from './helpers';

// Runs in the hydrated project only: these answers come from the wasm.
test('the page hydrates: clicking the captcha draws a new one without a reload', async ({ page }, testInfo) => {
  await page.goto('/login');
  await ready(page, testInfo);
  const image = page.getByRole('img', { name: '验证码图片' });
  const before = await image.getAttribute('src');
  expect(before).toMatch(/\/captcha\/[\w-]{22}\?v=0$/);
  let navigated = false;
  page.on('framenavigated', () => (navigated = true));
  await page.getByRole('button', { name: '看不清？换一张' }).click();
  await expect(image).toHaveAttribute('src', before!.replace('?v=0', '?v=1'));
  expect(navigated).toBe(false);
});

test('a failed login comes back with what was typed, except the password and captcha', async ({ page }, testInfo) => {
  await openLogin(page, testInfo);
  await page.getByLabel('账号').fill('13999999997');
  await page.getByLabel('密码').fill('whatever-it-is');
  await page.getByLabel('验证码', { exact: true }).fill('TEST');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('账号或密码错误');
  await ready(page, testInfo);
  // The server drew a new captcha; the browser put the account back.
  await expect(page.getByLabel('账号')).toHaveValue('13999999997');
  await expect(page.getByLabel('密码')).toHaveValue('');
  await expect(page.getByLabel('验证码', { exact: true })).toHaveValue('');
});
