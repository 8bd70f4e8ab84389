import { expect, test } from '@playwright/test';
import { as } from './flows';
import { ADMIN, codeIn, fillLogin, lastSms, makeIdNumber, makePhone, openLogin, ready } from './helpers';

const PASSWORD = 'Tuojiang River 1958';

// The browser tests run with the sandbox identity provider (instant 实名认证, as the
// demo does); the review queue itself is tested in server/tests/identity.rs. A sandbox
// verification still shows in 实名审核 (已通过), where a reviewer can revoke it.
test('实名审核: the platform admin finds a verification, revokes it with a reason, and the trainee sees why', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(150_000);
  const nojs = testInfo.project.use.javaScriptEnabled === false;
  const phone = makePhone(testInfo, 7);
  const idNumber = makeIdNumber(nojs ? 51 : 52);
  const name = nojs ? '吕乙' : '吕甲';

  await openLogin(page, testInfo, '/register');
  await page.getByLabel('手机号').fill(phone);
  await page.getByLabel('验证码', { exact: true }).fill('TEST');
  await page.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(page.getByText(/验证码已发送至/)).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel('短信验证码').fill(codeIn(await lastSms(browser, phone)));
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByLabel('确认密码').fill(PASSWORD);
  await page.getByRole('button', { name: '注册并返回登录' }).click();
  await expect(page.getByRole('status')).toHaveText('注册成功，请登录');
  await fillLogin(page, testInfo, phone, PASSWORD);
  await expect(page).toHaveURL(/\/me$/);

  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
  const submit = async () => {
    await page.goto('/me/verify');
    await ready(page, testInfo);
    await page.getByLabel('身份证号').fill(idNumber);
    await page.getByLabel('真实姓名').fill(name);
    await page.getByLabel('身份证正面照片（人像面）').setInputFiles({ name: 'front.png', mimeType: 'image/png', buffer: png });
    await page.getByLabel('身份证反面照片（国徽面）').setInputFiles({ name: 'back.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: '提交' }).click();
    await expect(page.getByRole('status')).toHaveText('实名认证成功，现在可以报名和缴费了');
  };
  await submit();

  // 王敏 (platform admin): 实名审核 → 已通过 → the submission, with its photos and number.
  const admin = await as(browser, testInfo, ADMIN);
  await admin.getByRole('navigation', { name: '管理菜单' }).getByRole('link', { name: '实名审核' }).click();
  await expect(admin.getByRole('heading', { name: '实名审核' })).toBeVisible();
  await admin.getByRole('navigation', { name: '审核状态' }).getByRole('link', { name: '已通过' }).click();
  await admin.getByRole('link', { name, exact: true }).click();
  await expect(admin.getByRole('heading', { name: `实名审核：${name}` })).toBeVisible();
  await expect(admin.getByText(idNumber, { exact: true })).toBeVisible();
  await expect(admin.getByRole('img', { name: '身份证正面照片（人像面）' })).toHaveAttribute('src', /^\/files\//);
  await ready(admin, testInfo);
  // 撤销认证 needs a reason.
  await admin.getByRole('button', { name: '撤销认证' }).click();
  await expect(admin.getByText('撤销时请填写原因').first()).toBeVisible();
  await admin.getByLabel('撤销原因（必填，本人可见）').fill('照片与本人不符');
  await admin.getByRole('button', { name: '撤销认证' }).click();
  await expect(admin.getByRole('status')).toHaveText('已撤销该实名认证，已通知本人');
  await admin.context().close();

  // The trainee: no longer verified, told why, and may submit again.
  await page.goto('/me/verify');
  await expect(page.getByText('实名认证已撤销（照片与本人不符）', { exact: false })).toBeVisible();
  await expect(page.getByRole('button', { name: '提交' })).toBeVisible();
  expect(await lastSms(browser, phone)).toContain('照片与本人不符');
  await submit();
  await expect(page.getByText('已实名认证', { exact: true })).toBeVisible();
});
