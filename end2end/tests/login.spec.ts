import { expect, test } from '@playwright/test';
import { fillLogin, login, openLogin, OTHER_TRAINEE, PASSWORD, ready, TRAINEE } from './helpers';

test('a wrong password and an unknown account get the same answer', async ({ page }, testInfo) => {
  await fillLogin(page, testInfo, OTHER_TRAINEE, 'not-the-password');
  await expect(page.getByRole('alert')).toHaveText('账号或密码错误');
  await fillLogin(page, testInfo, '13999999998', PASSWORD);
  await expect(page.getByRole('alert')).toHaveText('账号或密码错误');
  await expect(page.getByRole('link', { name: '登录', exact: true })).toBeVisible();
});

test('a wrong captcha is refused', async ({ page }, testInfo) => {
  await fillLogin(page, testInfo, TRAINEE, PASSWORD, 'XXXX');
  await expect(page.getByRole('alert')).toHaveText('验证码错误或已过期，请重新输入');
  await expect(page.getByRole('link', { name: '登录', exact: true })).toBeVisible();
});

test('a trainee signs in with phone, sees 个人中心, and signs out', async ({ page }, testInfo) => {
  await login(page, testInfo, TRAINEE);
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.getByTestId('current-user')).toHaveText('张三');
  await expect(page.getByText('已实名认证')).toBeVisible();
  await expect(page.getByText('学员', { exact: true })).toBeVisible();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'xueshi_sid');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');

  await page.getByRole('button', { name: '退出' }).click();
  await expect(page).toHaveURL(/\/$/);
  await ready(page, testInfo);
  await expect(page.getByRole('link', { name: '登录', exact: true })).toBeVisible();
  expect((await page.context().cookies()).find((c) => c.name === 'xueshi_sid')).toBeUndefined();
  const me = await page.goto('/me');
  expect(me?.status()).toBe(401);
  await expect(page.getByRole('heading', { name: '请先登录' })).toBeVisible();
});

test('signing in by ID number returns to the page asked for', async ({ page }, testInfo) => {
  await openLogin(page, testInfo, '/login?next=/learn');
  await page.getByLabel('账号').fill('510101199003074578');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByLabel('验证码', { exact: true }).fill('test');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/learn$/);
  await expect(page.getByRole('heading', { name: '我的班级' })).toBeVisible();
});
