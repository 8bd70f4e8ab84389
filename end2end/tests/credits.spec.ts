import { expect, test } from '@playwright/test';
import { OTHER_TRAINEE, TRAINEE, login, ready } from './helpers';

const AUTHORITY = '13800000002';
const thisYear = Number(
  new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'Asia/Shanghai' }).format(new Date()),
);
const lastYear = thisYear - 1;

test('学时完成情况 shows each year against its requirement, and the records behind it', async ({
  page,
  browser,
}, testInfo) => {
  // 张三 met last year's requirement (demo data): 已达标, with the figures in a table.
  await login(page, testInfo, TRAINEE);
  await page.goto('/me');
  await page.getByRole('link', { name: '学时完成情况' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1, name: '学时完成情况' })).toBeVisible();
  const last = page.getByRole('region', { name: `${lastYear}年度` });
  await expect(last.getByText('已达标')).toBeVisible();
  await expect(last.getByRole('img', { name: `${lastYear}年度学时完成情况图` })).toBeVisible();
  await expect(last.getByRole('row', { name: /合计 94 90 0/ })).toBeVisible();
  await expect(page.getByRole('region', { name: `${thisYear}年度` }).getByText('未达标')).toBeVisible();
  await last.getByRole('link', { name: '查看明细' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1, name: `${lastYear}年度学时明细` })).toBeVisible();
  const records = page.getByRole('list', { name: '学时记录' });
  await expect(records.getByRole('listitem')).toHaveCount(3);
  await expect(records.getByText('水工建筑物安全监测技术')).toBeVisible();
  await expect(records.getByText(/历史导入 · 专业/).first()).toBeVisible();

  // 李四 did not: what is missing, in words.
  const other = await (await browser.newContext()).newPage();
  await login(other, testInfo, OTHER_TRAINEE);
  await other.goto('/me/hours');
  await ready(other, testInfo);
  await expect(
    other.getByRole('region', { name: `${lastYear}年度` }).getByText('还需：公需还差 6 学时，专业还差 20 学时，总学时还差 26 学时'),
  ).toBeVisible();
  await other.close();
});

test('the authority saves a year’s requirement as a new version, and bad input is refused', async ({
  page,
}, testInfo) => {
  // Each project sets its own future year, so the two never meet.
  const year = String(thisYear + (testInfo.project.use.javaScriptEnabled === false ? 2 : 1));
  await login(page, testInfo, AUTHORITY);
  await page.goto('/admin');
  await page.getByRole('link', { name: '学时要求' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1, name: '学时要求' })).toBeVisible();

  await page.getByLabel('年度').fill(year);
  await page.getByLabel('总学时', { exact: true }).fill('20');
  await page.getByLabel('公需科目最低学时').fill('30');
  await page.getByRole('button', { name: '保存为新版本' }).click();
  await expect(page.getByText('总学时不能少于各类别最低学时之和').first()).toBeVisible();
  await expect(page.getByLabel('总学时', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  const list = page.getByRole('list', { name: '学时要求' });
  await expect(list.getByText(`${year}年度`)).toHaveCount(0);

  await page.getByLabel('年度').fill(year);
  await page.getByLabel('总学时', { exact: true }).fill('90');
  await page.getByLabel('公需科目最低学时').fill('30');
  await page.getByLabel('单位申报每年上限').fill('30');
  await page.getByLabel('专业科目不少于总学时的三分之二').check();
  await page.getByRole('button', { name: '保存为新版本' }).click();
  await expect(page.getByRole('status')).toHaveText('已保存为新版本，即时生效');
  const saved = list.getByRole('listitem').filter({ hasText: `${year}年度 · 第 1 版` });
  await expect(saved).toContainText(`${year}年度须完成继续教育 90 学时。`);
  await expect(saved).toContainText('专业科目不少于 60 学时');
  await expect(saved).toContainText('单位申报每年最多计入 30 学时，超出部分不计。');
});
