import { type Browser, expect, type Page, type TestInfo } from '@playwright/test';
import { test } from '@playwright/test';
import { login, OTHER_TRAINEE, ready, TRAINEE, unique } from './helpers';

const PROVIDER = '13800000004';

function day(offset: number): string {
  const d = new Date(Date.now() + offset * 86_400_000 + 8 * 3_600_000);
  return d.toISOString().slice(0, 10);
}

async function as(browser: Browser, testInfo: TestInfo, phone: string): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled });
  const page = await context.newPage();
  await login(page, testInfo, phone);
  return page;
}

/** The provider creates a class with one session and opens it; returns its edit URL. */
async function createClass(
  page: Page,
  testInfo: TestInfo,
  title: string,
  options: { offline: boolean; review: boolean },
): Promise<string> {
  await page.goto('/admin/classes');
  await page.getByRole('link', { name: '新建培训班' }).click();
  await ready(page, testInfo);
  await page.getByLabel('培训班名称').fill(title);
  await page.getByLabel('培训方式').selectOption({ label: options.offline ? '线下培训' : '线上培训' });
  await page.getByLabel('培训年度').fill('2026');
  await page.getByLabel('专业学时').fill('24');
  await page.getByLabel('培训费（元）').fill('1280');
  await page.getByLabel('人数上限').fill('50');
  await page.getByLabel('报名开始日期').fill(day(-1));
  await page.getByLabel('报名截止日期').fill(day(30));
  const review = page.getByLabel('报名需要审核');
  if (options.review) await review.check();
  else await review.uncheck();
  if (options.offline) {
    await page.getByLabel('需要填写职务').check();
    await page.getByLabel('住宿选项').fill('标准间 300\n单人间 480');
  }
  await page.getByLabel('报名须知').fill('请携带身份证原件按时报到。');
  await page.getByRole('button', { name: '保存为草稿' }).click();
  await expect(page.getByRole('status')).toHaveText('已保存');
  await expect(page.getByTestId('class-state')).toHaveText('草稿');
  const editUrl = page.url().split('?')[0];

  const sessions = page.getByRole('form', { name: '添加期次' });
  await sessions.getByLabel('期次名称').fill('第一期');
  await sessions.getByLabel('名额').fill('20');
  await sessions.getByLabel('开始日期', { exact: true }).fill(day(10));
  await sessions.getByLabel('结束日期', { exact: true }).fill(day(12));
  if (options.offline) {
    await sessions.getByLabel('培训地点').fill('成都市武侯区人民南路四段1号');
    await sessions.getByLabel('报到开始时间').fill(`${day(10)}T08:00`);
    await sessions.getByLabel('报到截止时间').fill(`${day(10)}T10:00`);
  }
  await sessions.getByRole('button', { name: '添加期次' }).click();
  await expect(page.getByRole('status')).toHaveText('期次已添加');
  await page.getByRole('button', { name: '开放报名' }).click();
  await expect(page.getByTestId('class-state')).toHaveText('接受报名');
  return editUrl;
}

/** Submits the open form, waits out the 报名须知 and confirms it. */
async function submitAndAcknowledge(page: Page, testInfo: TestInfo) {
  await page.getByRole('button', { name: '提交订单' }).click();
  const dialog = page.getByRole('dialog', { name: '报名须知' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('请携带身份证原件按时报到。');
  const acknowledge = dialog.getByRole('button', { name: /我已知晓/ });
  if (testInfo.project.use.javaScriptEnabled === false) {
    // Without JavaScript the button works at once, and the server refuses it early.
    await acknowledge.click();
    await expect(page.getByRole('alert')).toHaveText('请认真阅读报名须知，10秒后才能确认');
    await page.waitForTimeout(10_500);
    await page.getByRole('dialog', { name: '报名须知' }).getByRole('button', { name: /我已知晓/ }).click();
  } else {
    await ready(page, testInfo);
    await expect(acknowledge).toBeDisabled();
    await expect(acknowledge).toHaveText(/我已知晓（\d+秒）/);
    await expect(acknowledge).toBeEnabled({ timeout: 15_000 });
    await expect(acknowledge).toHaveText('我已知晓');
    await acknowledge.click();
  }
  await expect(page.getByRole('status')).toHaveText('报名提交成功');
}

async function openClassForm(page: Page, testInfo: TestInfo, title: string) {
  await page.goto(`/enroll?q=${encodeURIComponent(title)}`);
  await page.getByRole('link', { name: new RegExp(title) }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await page.getByRole('link', { name: '提交订单' }).click();
  await ready(page, testInfo);
}

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
  const registrationUrl = trainee.url().split('?')[0];

  // 立即支付 by scanning: the sandbox cashier plays the wallet on a phone.
  await trainee.getByRole('link', { name: '立即支付' }).click();
  await expect(trainee.getByTestId('order-total')).toHaveText('¥1,280.00');
  await trainee.getByRole('button', { name: '微信支付' }).click();
  await expect(trainee.getByRole('img', { name: '支付二维码' })).toBeVisible();
  await ready(trainee, testInfo);
  const cashierUrl = await trainee.getByRole('link', { name: '在本机打开收银台' }).getAttribute('href');
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const wallet = await phone.newPage();
  await wallet.goto(cashierUrl!);
  await expect(wallet.getByTestId('cashier-amount')).toHaveText('¥1,280.00');
  await wallet.getByRole('button', { name: '确认支付' }).click();
  await expect(wallet.getByRole('status')).toHaveText('支付成功，请返回报名页面。');
  await phone.close();

  if (testInfo.project.use.javaScriptEnabled === false) {
    await trainee.getByRole('link', { name: '我已完成支付，刷新状态' }).click();
    await expect(trainee.getByText('订单已支付，报名成功。')).toBeVisible();
    await trainee.goto(registrationUrl);
  } else {
    // The page notices by itself (signed notification or the gateway query).
    await expect(trainee).toHaveURL(/\?paid=1$/, { timeout: 20_000 });
    await expect(trainee.getByRole('status')).toHaveText('报名成功');
  }
  await expect(trainee.getByText('已支付', { exact: true })).toBeVisible();
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
