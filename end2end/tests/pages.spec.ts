import { expect, test } from '@playwright/test';
import { ready } from './helpers';

test('an unknown address answers 404 with a page in Chinese', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '页面不存在' })).toBeVisible();
  await page.getByRole('link', { name: '返回首页' }).click();
  await expect(page.getByRole('heading', { name: '专业技术人员继续教育平台' })).toBeVisible();
});

test('a missing announcement answers 404', async ({ page }) => {
  const response = await page.goto('/news/999999');
  expect(response?.status()).toBe(404);
  await expect(page.getByText('该公告不存在或已下线')).toBeVisible();
});

test('the announcement list pages and filters by category', async ({ page }, testInfo) => {
  await page.goto('/news');
  await ready(page, testInfo);
  await page.getByRole('navigation', { name: '栏目' }).getByRole('link', { name: '办事指南' }).click();
  await expect(page.getByRole('heading', { name: '办事指南', level: 1 })).toBeVisible();
  await expect(page.getByRole('link', { name: '培训报名及缴费办事指南' })).toBeVisible();
  await expect(page.getByRole('link', { name: '平台系统升级维护公告' })).toHaveCount(0);
  await page.getByRole('navigation', { name: '栏目' }).getByRole('link', { name: '全部' }).click();
  await expect(page.getByText(/第 1 \/ \d+ 页/)).toBeVisible();
  await page.getByRole('link', { name: '下一页' }).click();
  await expect(page.getByText(/第 2 \/ \d+ 页/)).toBeVisible();
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the bottom tab bar leads to the four sections', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const tabs = page.getByRole('navigation', { name: '底部导航' });
    await expect(tabs).toBeVisible();
    await expect(page.getByRole('navigation', { name: '主导航' })).toBeHidden();
    for (const name of ['首页', '报名中心', '学习', '个人中心']) {
      await expect(tabs.getByRole('link', { name })).toBeVisible();
    }
    await page.screenshot({ path: testInfo.outputPath('home-phone.png'), fullPage: true });
    await tabs.getByRole('link', { name: '报名中心' }).click();
    await expect(page.getByRole('heading', { name: '报名中心' })).toBeVisible();
    await expect(tabs.getByRole('link', { name: '报名中心' })).toHaveAttribute('aria-current', 'page');
    // Nothing is wider than the screen.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
  });
});

test.describe('on a desktop', () => {
  test.use({ viewport: { width: 1280, height: 900 } });

  test('the top navigation is shown and the tab bar is not', async ({ page }, testInfo) => {
    await page.goto('/');
    await ready(page, testInfo);
    const nav = page.getByRole('navigation', { name: '主导航' });
    await expect(nav).toBeVisible();
    await expect(page.getByRole('navigation', { name: '底部导航' })).toBeHidden();
    await nav.getByRole('link', { name: '信息中心' }).click();
    await expect(page.getByRole('heading', { name: '信息中心' })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('news-desktop.png'), fullPage: true });
  });
});
