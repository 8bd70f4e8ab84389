import { expect, test } from '@playwright/test';
import { codeIn, fillLogin, lastSms, makeIdNumber, makePhone, openLogin, ready } from './helpers';

const PASSWORD = 'Minjiang River 1978';

test('register, log in unverified, verify with a wrong then a right ID number, then recover the password', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  const phone = makePhone(testInfo, 1);
  const idNumber = makeIdNumber(testInfo.project.name === 'no-js' ? 11 : 12);

  // 个人用户注册: phone and captcha, then the SMS code and a password.
  await openLogin(page, testInfo, '/register');
  await page.getByLabel('手机号').fill(phone);
  await page.getByLabel('验证码', { exact: true }).fill('TEST');
  await page.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(page.getByText(/验证码已发送至/)).toBeVisible();
  await ready(page, testInfo);
  if (testInfo.project.use.javaScriptEnabled === false) {
    await expect(page.getByRole('link', { name: '重新获取验证码' })).toBeVisible();
  } else {
    await expect(page.getByText(/\d+秒后可重新获取/)).toBeVisible();
  }
  const code = codeIn(await lastSms(browser, phone));
  await page.getByLabel('短信验证码').fill(code);
  await page.getByLabel('密码', { exact: true }).fill('12345678');
  await page.getByLabel('确认密码').fill('12345678');
  await page.getByRole('button', { name: '注册并返回登录' }).click();
  await expect(page.getByText('该密码过于常见，容易被猜到，请换一个').first()).toBeVisible();
  if (testInfo.project.use.javaScriptEnabled === false) {
    // Without JavaScript the form comes back empty after the error.
    await page.getByLabel('短信验证码').fill(code);
  }
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByLabel('确认密码').fill(PASSWORD);
  await page.getByRole('button', { name: '注册并返回登录' }).click();
  await expect(page.getByRole('status')).toHaveText('注册成功，请登录');

  // Logged in but unverified: ordering is refused, with a way to 实名认证.
  await fillLogin(page, testInfo, phone, PASSWORD);
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.getByText('未实名认证', { exact: true })).toBeVisible();
  await page.goto('/enroll');
  await expect(page.getByRole('note')).toContainText('不能提交订单和缴费');
  await page.getByRole('note').getByRole('link', { name: '实名认证' }).click();
  await expect(page.getByRole('heading', { name: '实名认证' })).toBeVisible();

  const submitVerification = async (id: string) => {
    await page.getByLabel('身份证号').fill(id);
    await page.getByLabel('真实姓名').fill('周八');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
    await page.getByLabel('身份证正面照片（人像面）').setInputFiles({ name: 'front.png', mimeType: 'image/png', buffer: png });
    await page.getByLabel('身份证反面照片（国徽面）').setInputFiles({ name: 'back.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: '提交' }).click();
  };
  const wrong = idNumber.slice(0, 17) + (idNumber[17] === '0' ? '1' : '0');
  await submitVerification(wrong);
  await expect(page.getByText('身份证号校验位不正确，请核对后重新输入').first()).toBeVisible();
  await submitVerification(idNumber);
  await expect(page.getByRole('status')).toHaveText('实名认证成功，现在可以报名和缴费了');
  await expect(page.getByText('已实名认证', { exact: true })).toBeVisible();
  await page.goto('/enroll');
  await expect(page.getByRole('note')).toHaveCount(0);

  // 找回密码: name and ID number, the code from the outbox, a new password.
  await ready(page, testInfo);
  await page.getByRole('button', { name: '退出' }).click();
  await expect(page).toHaveURL(/\/$/);
  await openLogin(page, testInfo, '/login');
  await page.getByRole('link', { name: '找回密码' }).click();
  await openLogin(page, testInfo, '/recover');
  await page.getByLabel('姓名').fill('周八');
  await page.getByLabel('身份证号').fill(idNumber);
  await page.getByLabel('验证码', { exact: true }).fill('TEST');
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByRole('status')).toContainText('验证码已发送至该账号绑定的手机号');
  const resetCode = codeIn(await lastSms(browser, phone));
  const newPassword = 'Qingcheng Mountain 9';
  await page.getByLabel('短信验证码').fill(resetCode);
  await page.getByLabel('新密码', { exact: true }).fill(newPassword);
  await page.getByLabel('确认新密码').fill(newPassword);
  await page.getByRole('button', { name: '重置密码' }).click();
  await expect(page.getByRole('status')).toHaveText('密码已重置，请使用新密码登录');
  await fillLogin(page, testInfo, idNumber, PASSWORD);
  await expect(page.getByRole('alert')).toHaveText('账号或密码错误');
  await fillLogin(page, testInfo, idNumber, newPassword);
  await expect(page).toHaveURL(/\/me$/);
  await expect(page.getByTestId('current-user')).toHaveText('周八');
});
