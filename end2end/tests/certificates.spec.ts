import { expect, test } from '@playwright/test';
import { TRAINEE, login, ready } from './helpers';

const AUTHORITY = '13800000002';
const thisYear = Number(
  new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'Asia/Shanghai' }).format(new Date()),
);
const lastYear = thisYear - 1;
const UNIT_ADMIN = '13800000003';
const ID_NUMBERS: Record<string, [string, string]> = {
  [TRAINEE]: ['张三', '510101199003074578'],
  [UNIT_ADMIN]: ['陈静', '510104198509210025'],
};

test('a met year gives a signed certificate: PDF, 验证真伪, 证书查询, then the authority revokes it', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  const nojs = testInfo.project.use.javaScriptEnabled === false;
  // 张三 met last year (demo data); for the other run the authority first credits 陈静
  // (staff of the demo unit, no hours last year; 李四's shortfall is the demo's), so
  // each run revokes its own certificate.
  const holder = nojs ? UNIT_ADMIN : TRAINEE;
  const [name, idNumber] = ID_NUMBERS[holder];
  const authority = await (await browser.newContext({ javaScriptEnabled: !nojs })).newPage();
  await login(authority, testInfo, AUTHORITY);
  if (nojs) {
    await authority.goto(`/admin/credits?id_number=${idNumber}&year=${lastYear}`);
    for (const [category, hours] of [['公需', '30'], ['专业', '60']]) {
      await authority.getByLabel('计入年度').selectOption(String(lastYear));
      await authority.getByLabel('学时类别').selectOption({ label: category });
      await authority.getByLabel('调整学时').fill(hours);
      await authority.getByLabel('调整原因').fill('补录线下培训学时');
      await authority.getByRole('button', { name: '确认调整' }).click();
      await expect(authority.getByRole('status')).toHaveText('已计入学时调整，已通知本人');
    }
  }

  await login(page, testInfo, holder);
  await page.goto('/me');
  await page.getByRole('link', { name: '我的证书' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1, name: '我的证书' })).toBeVisible();
  const card = page.getByRole('region', { name: `${lastYear}年度继续教育证书` });
  await expect(card.getByText('有效', { exact: true })).toBeVisible();
  const serial = (await card.getByText(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]$/).textContent())!;

  // The PDF.
  const pdfHref = await card.getByRole('link', { name: '打印证书' }).getAttribute('href');
  const pdf = await page.request.get(pdfHref!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  expect((await pdf.body()).subarray(0, 4).toString()).toBe('%PDF');

  // 验证真伪, as anyone who scans it.
  await card.getByRole('link', { name: '验证真伪' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('status')).toHaveText('有效：本平台签发，数字签名核验通过');
  await expect(page.getByRole('main')).toContainText(`姓名${name}`);

  // 证书查询 finds it.
  const visitor = await (await browser.newContext({ javaScriptEnabled: !nojs })).newPage();
  await visitor.goto('/query/certificate');
  await visitor.getByLabel('身份证号').fill(idNumber);
  await visitor.getByLabel('姓名').fill(name);
  await visitor.getByLabel('验证码', { exact: true }).fill('TEST');
  await visitor.getByRole('button', { name: '查询' }).click();
  await expect(visitor.getByRole('list', { name: '查询结果' })).toContainText(serial);
  // …and so does its serial, typed in lower case as people do.
  await visitor.goto('/query/certificate');
  await visitor.getByRole('textbox', { name: '证书编号' }).fill(serial.toLowerCase());
  await visitor.getByRole('button', { name: '验证', exact: true }).click();
  await expect(visitor.getByRole('status')).toHaveText('有效：本平台签发，数字签名核验通过');

  // The authority revokes it with a reason; the page then says so.
  await authority.goto('/admin');
  await authority.getByRole('link', { name: '证书管理' }).click();
  await ready(authority, testInfo);
  await authority.getByLabel('身份证号').fill(idNumber);
  await authority.getByRole('button', { name: '查询' }).click();
  const item = authority.getByRole('listitem').filter({ hasText: serial });
  await item.getByLabel('撤销原因').fill('学时记录经核查不实');
  await item.getByRole('button', { name: '撤销证书' }).click();
  await expect(authority.getByRole('status')).toHaveText('已撤销，已通知证书持有人');
  await expect(authority.getByRole('listitem').filter({ hasText: serial })).toContainText('已撤销');

  await visitor.goto(`/verify/${serial.replaceAll('-', '')}`);
  await expect(visitor.getByRole('status')).toContainText('已撤销');
  await expect(visitor.getByRole('status')).toContainText('学时记录经核查不实');
  await page.goto('/me/certificates');
  await expect(page.getByRole('region', { name: `${lastYear}年度继续教育证书` }).getByText('已撤销', { exact: true })).toBeVisible();
  await visitor.close();
  await authority.close();
});

test('a mistyped serial is caught by its check character before any lookup', async ({ page }, testInfo) => {
  await page.goto('/verify/0000-0000-0000-0000-1');
  await expect(page.getByText('证书编号有误（校验位不符），请核对')).toBeVisible();
});

test('the unit prints its staff’s certificates as one PDF made in the background', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await login(page, testInfo, UNIT_ADMIN);
  await page.goto('/admin');
  await page.getByRole('link', { name: '证书打印' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1, name: '证书打印' })).toBeVisible();
  await page.getByLabel('年度').selectOption(String(lastYear));
  await page.getByRole('button', { name: '查询' }).click();
  await ready(page, testInfo);
  // 李四 missed last year (demo data) and cannot be chosen, unless another run made it up.
  const people = page.getByRole('list', { name: '人员' });
  await expect(people.getByRole('listitem').filter({ hasText: '张三' })).toBeVisible();
  await page.getByRole('button', { name: '生成所选人员证书PDF' }).click();
  await expect(page.getByText('请选择人员').first()).toBeVisible();
  await page.getByRole('button', { name: '打印全部达标人员证书' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '证书打印任务' })).toBeVisible();
  // The job makes it within seconds; the page refreshes itself until then.
  await expect(page.getByRole('status')).toHaveText(/^已完成/, { timeout: 30_000 });
  const status = (await page.getByRole('status').textContent())!;
  const printed = Number(status.match(/共 (\d+) 份证书/)?.[1] ?? 0);
  await expect(page.getByRole('link', { name: '下载证书PDF' })).toHaveCount(printed > 0 ? 1 : 0);
  if (printed > 0) {
    const pdf = await page.request.get((await page.getByRole('link', { name: '下载证书PDF' }).getAttribute('href'))!);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
  }
  await expect(page.getByRole('progressbar', { name: '打印进度' })).toHaveAttribute('aria-valuenow', '100');
});
