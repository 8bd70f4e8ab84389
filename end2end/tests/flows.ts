/** Flows several specs share: a provider opens a class, a trainee registers and pays. */
import { type Browser, expect, type Page, type TestInfo } from '@playwright/test';
import { login, ready } from './helpers';

export const PROVIDER = '13800000004';
export const FINANCE = '13800000005';

export function day(offset: number): string {
  const d = new Date(Date.now() + offset * 86_400_000 + 8 * 3_600_000);
  return d.toISOString().slice(0, 10);
}

export async function as(browser: Browser, testInfo: TestInfo, phone: string): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled });
  const page = await context.newPage();
  await login(page, testInfo, phone);
  return page;
}

/** The provider creates a class with one session and opens it; returns its edit URL. */
export async function createClass(
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
export async function submitAndAcknowledge(page: Page, testInfo: TestInfo) {
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

export async function openClassForm(page: Page, testInfo: TestInfo, title: string) {
  await page.goto(`/enroll?q=${encodeURIComponent(title)}`);
  await page.getByRole('link', { name: new RegExp(title) }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await page.getByRole('link', { name: '提交订单' }).click();
  await ready(page, testInfo);
}


/**
 * From a registration at 待支付: 立即支付 by WeChat, the sandbox cashier (a phone
 * without JavaScript) pays, and the registration page shows 已支付 — by itself when
 * hydrated, through "我已完成支付" without JavaScript.
 */
export async function payByQr(
  trainee: Page,
  browser: Browser,
  testInfo: TestInfo,
  total: string,
  options: { changeWallet?: boolean } = {},
) {
  const registrationUrl = trainee.url().split('?')[0];
  await trainee.getByRole('link', { name: '立即支付' }).click();
  await expect(trainee.getByTestId('order-total')).toHaveText(total);
  const cashierLink = trainee.getByRole('link', { name: '在本机打开收银台' });
  let replacedUrl: string | null = null;
  if (options.changeWallet) {
    // A first wallet, then another: the first code is closed at the gateway.
    await trainee.getByRole('button', { name: '支付宝' }).click();
    await expect(trainee.getByText('请使用支付宝扫码支付')).toBeVisible();
    replacedUrl = await cashierLink.getAttribute('href');
  }
  await trainee.getByRole('button', { name: '微信支付' }).click();
  await expect(trainee.getByText('请使用微信支付扫码支付')).toBeVisible();
  await expect(trainee.getByRole('img', { name: '支付二维码' })).toBeVisible();
  await ready(trainee, testInfo);
  const cashierUrl = await cashierLink.getAttribute('href');
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const wallet = await phone.newPage();
  if (replacedUrl) {
    expect(replacedUrl).not.toEqual(cashierUrl);
    await wallet.goto(replacedUrl);
    await expect(wallet.getByRole('status')).toHaveText('该收款码已关闭，请返回报名页面重新选择支付方式。');
    await expect(wallet.getByRole('button', { name: '确认支付' })).toHaveCount(0);
  }
  await wallet.goto(cashierUrl!);
  await expect(wallet.getByTestId('cashier-amount')).toHaveText(total);
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
}
