import { expect, test } from '@playwright/test';
import { ADMIN, login, OTHER_TRAINEE, ready, unique } from './helpers';

test('a trainee cannot open /admin, and the admin server functions refuse too', async ({ page, baseURL }, testInfo) => {
  await login(page, testInfo, OTHER_TRAINEE);
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: '无权访问' })).toBeVisible();
  // Same-origin, signed in as the trainee, calling the server function directly.
  const api = await page.request.post('/api/admin/announcements/list', {
    headers: { Origin: baseURL!, Accept: 'application/json' },
    form: {},
  });
  expect(api.status()).toBe(403);
  expect((await api.json()).message).toBe('您没有权限进行此操作');
});

test('a visitor is asked to sign in at /admin', async ({ page }) => {
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(401);
  await page.getByRole('link', { name: '登录' }).last().click();
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin|\/login\?next=\/admin/);
});

test('the admin writes an announcement and a visitor reads it', async ({ page, browser }, testInfo) => {
  await login(page, testInfo, ADMIN);
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole('link', { name: '通知公告管理' }).click();
  await page.getByRole('link', { name: '新建公告' }).click();
  await ready(page, testInfo);

  // Nothing filled in: every field says what is missing, nothing is saved.
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByText('请选择栏目', { exact: true }).last()).toBeVisible();
  await expect(page.getByText('请输入标题', { exact: true }).last()).toBeVisible();
  await expect(page.getByText('请输入正文', { exact: true }).last()).toBeVisible();

  const title = unique(testInfo, '关于开展继续教育专项检查的通知');
  await page.getByLabel('栏目').selectOption({ label: '通知公告' });
  await page.getByLabel('标题').fill(title);
  await page.getByLabel('正文').fill('## 检查安排\n\n请各单位于**12月底**前完成自查。');
  await page.getByLabel('发布（不勾选则保存为草稿）').check();
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('status')).toHaveText('已保存');
  await expect(page).toHaveURL(/\/admin\/announcements\/\d+\?saved=1$/);

  // A visitor in a fresh browser finds it in the list and reads it.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto('/news?category=notice');
  await visitor.getByRole('link', { name: title }).click();
  await expect(visitor.getByRole('heading', { name: title })).toBeVisible();
  await expect(visitor.getByRole('heading', { name: '检查安排' })).toBeVisible();
  await expect(visitor.getByText('12月底')).toBeVisible();
  await visitor.close();
});

test('the admin attaches a PDF, which visitors can download; other files are refused', async ({ page, browser }, testInfo) => {
  await login(page, testInfo, ADMIN);
  await page.goto('/admin/announcements/new');
  await ready(page, testInfo);
  const title = unique(testInfo, '学员操作手册（2026版）');
  await page.getByLabel('栏目').selectOption({ label: '操作手册' });
  await page.getByLabel('标题').fill(title);
  await page.getByLabel('正文').fill('请下载附件阅读。');
  await page.getByLabel('发布（不勾选则保存为草稿）').check();
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('status')).toHaveText('已保存');
  const editUrl = page.url().replace(/\?.*$/, '');

  await page.getByLabel(/上传附件/).setInputFiles({
    name: 'not-a-pdf.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('<html><script>alert(1)</script></html>'),
  });
  await page.getByRole('button', { name: '上传', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('只能上传 PDF、JPEG、PNG 文件');

  const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
  await page.getByLabel(/上传附件/).setInputFiles({ name: '学员手册.pdf', mimeType: 'application/pdf', buffer: pdf });
  await page.getByRole('button', { name: '上传', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('附件已上传');
  await expect(page).toHaveURL(new RegExp(`^${editUrl}`));
  await expect(page.getByRole('link', { name: '学员手册.pdf' })).toBeVisible();

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto('/news?category=manual');
  await visitor.getByRole('link', { name: title }).click();
  const href = await visitor.getByRole('link', { name: '学员手册.pdf' }).getAttribute('href');
  const download = await visitor.request.get(href!);
  expect(download.status()).toBe(200);
  expect(download.headers()['content-type']).toBe('application/pdf');
  expect(Buffer.from(await download.body()).equals(pdf)).toBe(true);
  await visitor.close();
});
