import { expect, type Page, test } from '@playwright/test';
import { as, createClass, FINANCE, openClassForm, PROVIDER, payByQr, submitAndAcknowledge } from './flows';
import { login, OTHER_TRAINEE, TRAINEE, unique } from './helpers';

/** 20 digits, unique to this run (全电发票 numbers are 20 digits). */
function invoiceNumber(): string {
  return `2651${String(Date.now()).padStart(13, '0')}${Math.floor(Math.random() * 1000)
    .toString()
    .padStart(3, '0')}`;
}

/** The finance console's item for the class `title`. */
function itemFor(page: Page, title: string) {
  return page.getByRole('listitem').filter({ hasText: title });
}

test('pay by QR, apply for an invoice, finance issues it, the trainee downloads it, finance voids it', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(180_000);
  const title = unique(testInfo, '继续教育开票班');
  await login(page, testInfo, PROVIDER);
  await createClass(page, testInfo, title, { offline: false, review: false });

  const trainee = await as(browser, testInfo, OTHER_TRAINEE);
  await openClassForm(trainee, testInfo, title);
  await trainee.getByLabel('报名期次').selectOption({ index: 1 });
  await submitAndAcknowledge(trainee, testInfo);
  await payByQr(trainee, browser, testInfo, '¥1,280.00');
  const registrationUrl = trainee.url().split('?')[0];

  // 申请开票 with a new title; a wrong tax number is refused next to its field.
  await trainee.getByRole('link', { name: '申请开票' }).click();
  await expect(trainee.getByRole('heading', { name: '申请开票' })).toBeVisible();
  const saved = trainee.getByLabel('选择已保存的抬头');
  if ((await saved.count()) > 0) {
    await saved.selectOption({ label: '+ 使用新的抬头（填写下方信息）' });
    await trainee.getByText('新的发票抬头').click();
  }
  await trainee.getByLabel('发票抬头').fill('四川示范水利工程有限公司');
  await trainee.getByLabel('纳税人识别号').fill('91510100MA6CX00018');
  await trainee.getByRole('button', { name: '提交开票申请' }).click();
  await expect(trainee.getByText('统一社会信用代码校验位不正确', { exact: false }).first()).toBeVisible();
  if ((await saved.count()) > 0) {
    await saved.selectOption({ label: '+ 使用新的抬头（填写下方信息）' });
    if (!(await trainee.getByLabel('发票抬头').isVisible())) await trainee.getByText('新的发票抬头').click();
  }
  await trainee.getByLabel('发票抬头').fill('四川示范水利工程有限公司');
  await trainee.getByLabel('纳税人识别号').fill('91510100MA6CX00019');
  await trainee.getByRole('button', { name: '提交开票申请' }).click();
  await expect(trainee.getByRole('status')).toHaveText('开票申请已提交，财务开具后可在此下载');
  const mine = trainee.getByRole('listitem').filter({ hasText: '四川示范水利工程有限公司' }).first();
  await expect(mine.getByText('待开票', { exact: true })).toBeVisible();
  await trainee.goto(registrationUrl);
  await expect(trainee.getByRole('link', { name: '发票：待开票' })).toBeVisible();

  // Finance issues it with a number; the platform draws the PDF.
  const number = invoiceNumber();
  const finance = await as(browser, testInfo, FINANCE);
  await finance.goto('/admin/finance/invoices');
  const item = itemFor(finance, title);
  await expect(item.getByText('待开票', { exact: true })).toBeVisible();
  await item.getByLabel('发票号码').fill(number);
  await item.getByRole('button', { name: '开具发票' }).click();
  await expect(finance.getByRole('status')).toHaveText('发票已开具，已通知学员');

  // The trainee downloads it from 发票下载.
  await trainee.goto('/me');
  await trainee.getByRole('link', { name: '发票下载' }).click();
  const issued = trainee.getByRole('listitem').filter({ hasText: number });
  await expect(issued.getByText('已开票', { exact: true })).toBeVisible();
  const href = await issued.getByRole('link', { name: '下载发票（PDF）' }).getAttribute('href');
  const pdf = await trainee.request.get(href!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  // Another trainee cannot.
  const stranger = await as(browser, testInfo, TRAINEE);
  expect((await stranger.request.get(href!)).status()).toBe(404);
  await stranger.context().close();

  // Voided with a required reason: the trainee sees why and may apply again.
  await finance.goto('/admin/finance/invoices?status=issued');
  const toVoid = finance.getByRole('form', { name: `作废发票 ${number}` });
  await toVoid.getByRole('button', { name: '作废' }).click();
  await expect(finance.getByRole('alert')).toHaveText('请填写作废原因');
  await finance.getByRole('form', { name: `作废发票 ${number}` }).getByLabel('作废原因').fill('发票抬头需更正');
  await finance.getByRole('form', { name: `作废发票 ${number}` }).getByRole('button', { name: '作废' }).click();
  await expect(finance.getByRole('status')).toHaveText('发票已作废，已通知学员');
  await trainee.goto('/me/fapiao');
  const voided = trainee.getByRole('listitem').filter({ hasText: number });
  await expect(voided.getByText('已作废', { exact: true })).toBeVisible();
  await expect(voided).toContainText('作废原因：发票抬头需更正');
  await trainee.goto(registrationUrl);
  await expect(trainee.getByRole('link', { name: '申请开票' })).toBeVisible();
  await finance.context().close();
  await trainee.context().close();
});

test('refunds: 部分退款 refused with a reason, then approved; 全额退款 approved', async ({ page, browser }, testInfo) => {
  test.setTimeout(180_000);
  const title = unique(testInfo, '监理退款班');
  await login(page, testInfo, PROVIDER);
  await createClass(page, testInfo, title, { offline: true, review: false });

  const trainee = await as(browser, testInfo, OTHER_TRAINEE);
  await openClassForm(trainee, testInfo, title);
  await trainee.getByLabel('报名期次').selectOption({ index: 1 });
  await trainee.getByLabel('职务（必填）').fill('监理员');
  await trainee.getByLabel('住宿（必选）').selectOption({ label: '标准间（¥300.00）' });
  await submitAndAcknowledge(trainee, testInfo);
  await payByQr(trainee, browser, testInfo, '¥1,580.00');
  const registrationUrl = trainee.url().split('?')[0];

  // 部分退款 needs a reason.
  await trainee.getByRole('link', { name: '退款申请' }).click();
  await expect(trainee.getByRole('heading', { name: '退款申请' })).toBeVisible();
  await trainee.getByLabel(/部分退款/).check();
  await trainee.getByRole('button', { name: '提交退款申请' }).click();
  await expect(trainee.getByText('请填写退款原因', { exact: true }).first()).toBeVisible();
  await trainee.getByLabel(/部分退款/).check();
  await trainee.getByLabel('退款原因').fill('单位安排住宿，不需要住宿');
  await trainee.getByRole('button', { name: '提交退款申请' }).click();
  await expect(trainee.getByRole('status')).toHaveText('退款申请已提交，请耐心等待财务审核');
  await expect(trainee.getByText('退款审核中', { exact: true }).first()).toBeVisible();

  // Finance refuses it with a reason; the trainee reads 退款失败 and why.
  const finance = await as(browser, testInfo, FINANCE);
  await finance.goto('/admin/finance/refunds');
  let item = itemFor(finance, title);
  await expect(item).toContainText('部分退款（仅住宿费）：¥300.00');
  await item.getByLabel('驳回原因（驳回时必填）').fill('住宿已按名单预订');
  await item.getByRole('button', { name: '驳回' }).click();
  await expect(finance.getByRole('status')).toHaveText('已驳回，已通知学员');
  await trainee.goto(registrationUrl);
  await expect(trainee.getByText('退款失败', { exact: true })).toBeVisible();
  await expect(trainee.getByTestId('refund-note')).toHaveText('未通过原因：住宿已按名单预订');

  // Asked again and approved: the sandbox pays the accommodation back and confirms.
  await trainee.getByRole('link', { name: '退款申请' }).click();
  await trainee.getByLabel(/部分退款/).check();
  await trainee.getByLabel('退款原因').fill('已与财务沟通');
  await trainee.getByRole('button', { name: '提交退款申请' }).click();
  await expect(trainee.getByRole('status')).toHaveText('退款申请已提交，请耐心等待财务审核');
  await finance.goto('/admin/finance/refunds');
  item = itemFor(finance, title);
  await item.getByRole('button', { name: '同意退款' }).click();
  await expect(finance.getByRole('status')).toHaveText('已同意退款，款项将原路退回');
  await expect(async () => {
    await trainee.goto(registrationUrl);
    await expect(trainee.getByTestId('refund')).toContainText('已退款', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(trainee.getByText('已支付', { exact: true })).toBeVisible();
  await expect(trainee.getByTestId('refund')).toContainText('¥300.00');

  // 全额退款 of the rest: the place goes back.
  await trainee.getByRole('link', { name: '退款申请' }).click();
  await expect(trainee.getByText('退款类型：全额退款（¥1,280.00）')).toBeVisible();
  await trainee.getByLabel('退款原因').fill('工作安排冲突');
  await trainee.getByRole('button', { name: '提交退款申请' }).click();
  await finance.goto('/admin/finance/refunds');
  await itemFor(finance, title).getByRole('button', { name: '同意退款' }).click();
  await expect(finance.getByRole('status')).toHaveText('已同意退款，款项将原路退回');
  await expect(async () => {
    await trainee.goto(registrationUrl);
    await expect(trainee.getByText('已退款', { exact: true }).first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await trainee.goto('/me/messages');
  await expect(trainee.getByText(`“${title}”全额退款已退回原支付账户：¥1,280.00。`)).toBeVisible();
  // Finance finds all three decisions under 最近处理, newest first.
  await finance.goto('/admin/finance/refunds');
  const done = finance.getByRole('list', { name: '最近处理的退款' }).getByRole('listitem').filter({ hasText: title });
  await expect(done).toHaveCount(3);
  await expect(done.first()).toContainText('全额退款：¥1,280.00');
  await expect(done.first()).toContainText('已退款');
  await expect(done.last()).toContainText('退款失败（已驳回）');
  await finance.context().close();
  await trainee.context().close();
});
