import { expect, test } from '@playwright/test';
import { as, createClass, day, openClassForm, PROVIDER, payByQr, submitAndAcknowledge } from './flows';
import { login, OTHER_TRAINEE, ready, TRAINEE, unique } from './helpers';

test('an offline class with review: reject with a reason, 重新报名, approve → 待支付', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(180_000);
  const title = unique(testInfo, '监理业务线下培训');
  await login(page, testInfo, PROVIDER);
  const editUrl = await createClass(page, testInfo, title, { offline: true, review: true });

  const trainee = await as(browser, testInfo, TRAINEE);
  await openClassForm(trainee, testInfo, title);
  await trainee.getByLabel('报名期次').selectOption({ index: 1 });
  // 职务 and 住宿 are required by this class.
  await trainee.getByRole('button', { name: '提交订单' }).click();
  await expect(trainee.getByText('请填写您的最新职务', { exact: true }).last()).toBeVisible();
  await expect(trainee.locator('p', { hasText: /^请选择住宿$/ })).toBeVisible();
  await trainee.getByLabel('报名期次').selectOption({ index: 1 });
  await trainee.getByLabel('职务（必填）').fill('总监理工程师');
  await trainee.getByLabel('住宿（必选）').selectOption({ label: '标准间（¥300.00）' });
  await submitAndAcknowledge(trainee, testInfo);
  await expect(trainee.getByText('审核中', { exact: true })).toBeVisible();

  // The provider rejects it with a reason.
  await page.goto(editUrl.replace(/\/admin\/classes\/(\d+)$/, '/admin/registrations?class_id=$1'));
  await page.getByRole('checkbox', { name: '选择 张三 的报名' }).check();
  await page.getByLabel('不通过原因（审核不通过时必填）').fill('职务与证书登记不一致');
  await page.getByRole('button', { name: '审核不通过' }).click();
  await expect(page.getByText('没有符合条件的报名')).toBeVisible();

  // The trainee sees 审核不通过 and why, and registers again with the old values.
  await trainee.goto('/me/exams');
  const card = trainee.getByRole('link', { name: new RegExp(title) });
  await expect(card.getByText('审核不通过', { exact: true })).toBeVisible();
  await card.click();
  await expect(trainee.getByTestId('reject-reason')).toHaveText('职务与证书登记不一致');
  await trainee.getByRole('link', { name: '重新报名' }).click();
  await expect(trainee.getByRole('heading', { name: '重新报名' })).toBeVisible();
  await expect(trainee.getByLabel('职务（必填）')).toHaveValue('总监理工程师');
  await trainee.getByLabel('职务（必填）').fill('专业监理工程师');
  await submitAndAcknowledge(trainee, testInfo);
  await expect(trainee.getByText('审核中', { exact: true })).toBeVisible();

  // Approved: 待支付, with fee and accommodation in 我的订单, and a message.
  await page.goto(editUrl.replace(/\/admin\/classes\/(\d+)$/, '/admin/registrations?class_id=$1'));
  await expect(page.getByText('职务：专业监理工程师')).toBeVisible();
  await page.getByRole('checkbox', { name: '选择 张三 的报名' }).check();
  await page.getByRole('button', { name: '审核通过' }).click();
  await expect(page.getByText('没有符合条件的报名')).toBeVisible();

  await trainee.goto('/me/orders');
  const order = trainee.getByRole('link', { name: new RegExp(title) });
  await expect(order.getByText('待支付', { exact: true })).toBeVisible();
  await expect(order).toContainText('合计 ¥1,580.00');
  await expect(order).toContainText(/订单号 XS\d{20}/);
  await trainee.goto('/me/messages');
  await expect(trainee.getByText(`您报名的“${title}”已审核通过`, { exact: false })).toBeVisible();

  // 线下转账: the order waits for finance, who confirms the amount and date.
  await trainee.goto('/me/orders');
  await trainee.getByRole('link', { name: new RegExp(title) }).click();
  await trainee.getByRole('link', { name: '立即支付' }).click();
  await trainee.getByRole('button', { name: '线下转账（单位转账）' }).click();
  await expect(trainee.getByRole('status')).toContainText('待确认到账');
  const orderNo = (await trainee.getByTestId('transfer-reference').textContent())!.trim();
  expect(orderNo).toMatch(/^XS\d{20}$/);

  const finance = await as(browser, testInfo, '13800000005');
  await finance.goto('/admin/finance/transfers');
  const review = finance.getByRole('form', { name: `审核订单 ${orderNo}` });
  await review.getByLabel('到账金额（元）').fill('1580');
  await review.getByLabel('到账日期').fill(day(0));
  await review.getByRole('button', { name: '确认到账' }).click();
  await expect(finance.getByRole('status')).toHaveText('已确认到账，订单已支付');
  await finance.context().close();

  await trainee.goto('/me/orders');
  await expect(trainee.getByRole('link', { name: new RegExp(title) }).getByText('已支付', { exact: true })).toBeVisible();
  await trainee.context().close();
});

test('an online class without review goes straight to 待支付; favourites', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const title = unique(testInfo, '公需科目在线培训');
  await login(page, testInfo, PROVIDER);
  await createClass(page, testInfo, title, { offline: false, review: false });

  const trainee = await as(browser, testInfo, OTHER_TRAINEE);
  await trainee.goto(`/enroll?q=${encodeURIComponent(title)}`);
  await trainee.getByRole('link', { name: new RegExp(title) }).click();
  await trainee.getByRole('button', { name: '☆ 收藏' }).click();
  await expect(trainee.getByRole('button', { name: '★ 已收藏' })).toBeVisible();
  await trainee.goto('/me/favourites');
  await expect(trainee.getByRole('link', { name: new RegExp(title) })).toBeVisible();

  await openClassForm(trainee, testInfo, title);
  await expect(trainee.getByLabel('职务（必填）')).toHaveCount(0);
  await trainee.getByLabel('报名期次').selectOption({ index: 1 });
  await submitAndAcknowledge(trainee, testInfo);
  await expect(trainee.getByText('待支付', { exact: true })).toBeVisible();
  await expect(trainee.getByText(/请在 .+ 前完成支付/)).toBeVisible();

  // 立即支付 by scanning: the sandbox cashier plays the wallet on a phone. The trainee
  // changes their mind about the wallet first: the first code stops working.
  await payByQr(trainee, browser, testInfo, '¥1,280.00', { changeWallet: true });
  await trainee.goto('/me/messages');
  await expect(trainee.getByText(`您已成功报名“${title}”`, { exact: false })).toBeVisible();
  await trainee.context().close();
});

test('public queries answer 未查询到 for a visitor', async ({ page }, testInfo) => {
  const captchaDrawn = page.waitForResponse((r) => r.url().includes('/captcha/') && r.ok());
  await page.goto('/');
  await page.getByRole('link', { name: '学时查询' }).click();
  await captchaDrawn;
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { name: '学时查询' })).toBeVisible();
  await page.getByLabel('身份证号').fill('510101199003074578');
  await page.getByLabel('姓名').fill('王五');
  await page.getByLabel('验证码', { exact: true }).fill('TEST');
  await page.getByRole('button', { name: '查询' }).click();
  await expect(page.getByText('未查询到')).toBeVisible();
  await expect(page.getByText('王五（510101********4578）')).toBeVisible();
});
