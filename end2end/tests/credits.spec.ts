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

const DEMO_UNIT_ADMIN = '13800000003';

async function fillDeclaration(page: import('@playwright/test').Page, title: string, remark: string) {
  await page.getByLabel('会议名称').fill(title);
  await page.getByLabel('主办单位').fill('四川省水利学会');
  await page.getByLabel('会议日期').fill(`${thisYear}-05-20`);
  await page.getByLabel('参会形式').selectOption('交流发言');
  await page.getByLabel('计入年度').selectOption(String(thisYear));
  await page.getByLabel('学时类别').selectOption({ label: '专业' });
  await page.getByLabel('申报学时').fill('4');
  await page.getByLabel('附件材料').setInputFiles({
    name: '参会证明.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  });
  await page.getByLabel('备注').fill(remark);
}

async function professionalEarned(page: import('@playwright/test').Page) {
  await page.goto('/me/hours');
  const row = page.getByRole('region', { name: `${thisYear}年度` }).getByRole('row', { name: /^专业/ });
  return Number((await row.getByRole('cell').first().textContent()) ?? 'NaN');
}

test('a trainee declares a record with an attachment, the unit approves it, and 学时完成情况 changes at once', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  // Each project its own trainee, so the two runs never share a figure.
  const nojs = testInfo.project.use.javaScriptEnabled === false;
  const title = `水利学术交流会-${testInfo.project.name}-${Date.now()}`;
  await login(page, testInfo, nojs ? TRAINEE : OTHER_TRAINEE);
  const before = await professionalEarned(page);

  await page.goto('/me');
  await page.getByRole('link', { name: '继续教育记录' }).click();
  await page.getByRole('link', { name: '学时记录添加' }).click();
  await page.getByLabel('继续教育类型').selectOption({ label: '学术会议' });
  await page.getByRole('button', { name: '下一步' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { name: '继续教育类型：学术会议' })).toBeVisible();

  // A 1,001-character 备注 is refused, and nothing is kept.
  await fillDeclaration(page, title, '字'.repeat(1001));
  await page.getByRole('button', { name: '确认送审' }).click();
  await expect(page.getByText('备注不能超过 1000 字').first()).toBeVisible();
  await ready(page, testInfo);

  await fillDeclaration(page, title, '在分会场作交流发言。');
  await page.getByRole('button', { name: '确认送审' }).click();
  await expect(page.getByRole('status')).toHaveText('已送审，请等待单位审核');
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  await expect(page.getByText('待单位审核', { exact: true })).toBeVisible();
  await expect(page.getByRole('list', { name: '附件材料' }).getByRole('link', { name: '参会证明.pdf' })).toBeVisible();
  await page.goto('/me/records');
  await expect(page.getByRole('list', { name: '继续教育记录' }).getByRole('listitem').filter({ hasText: title })).toContainText(
    '待单位审核',
  );

  // The unit admin approves it with 3 of the 4 hours.
  const admin = await (await browser.newContext({ javaScriptEnabled: !nojs })).newPage();
  await login(admin, testInfo, DEMO_UNIT_ADMIN);
  await admin.goto('/admin');
  await admin.getByRole('link', { name: '继续教育信息管理' }).click();
  await ready(admin, testInfo);
  await admin.getByRole('listitem').filter({ hasText: title }).getByRole('link', { name: '审核' }).click();
  await ready(admin, testInfo);
  await expect(admin.getByRole('heading', { name: title })).toBeVisible();
  await expect(admin.getByRole('link', { name: '参会证明.pdf' })).toBeVisible();
  await admin.getByLabel('核定学时').fill('3');
  await admin.getByLabel('审核意见').fill('按实际参会时间核定');
  await admin.getByRole('button', { name: '通过', exact: true }).click();
  await expect(admin.getByRole('status')).toHaveText('审核结果已保存，已通知本人');
  await admin.close();

  // Counted at once.
  expect(await professionalEarned(page)).toBe(before + 3);
  await page.goto(`/me/hours/${thisYear}`);
  const record = page.getByRole('list', { name: '学时记录' }).getByRole('listitem').filter({ hasText: title });
  await expect(record).toContainText('+3 学时');
  await expect(record).toContainText('个人申报');
});

test('the unit declares hours for its staff, and the authority revokes them with a reason', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(120_000);
  const nojs = testInfo.project.use.javaScriptEnabled === false;
  const title = `单位安全生产培训-${testInfo.project.name}-${Date.now()}`;
  // 陈静 is the unit admin and one of its staff.
  await login(page, testInfo, DEMO_UNIT_ADMIN);
  await page.goto('/admin');
  await page.getByRole('link', { name: '其它继续教育形式申报(公需)' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1, name: '其它继续教育形式申报(公需)' })).toBeVisible();
  await page.getByRole('button', { name: '提交申报' }).click();
  await expect(page.getByText('请选择人员').first()).toBeVisible();
  await page.getByRole('form', { name: '按人员申报' }).getByLabel('计入年度').selectOption(String(thisYear));
  await page.getByLabel('培训内容').fill(title);
  await page.getByLabel('学时', { exact: true }).fill('2');
  await page.getByRole('checkbox', { name: /陈静/ }).check();
  await page.getByRole('button', { name: '提交申报' }).click();
  await expect(page.getByRole('status')).toHaveText('已为 1 人申报学时，即时计入学时完成情况');
  await page.goto(`/me/hours/${thisYear}`);
  await expect(page.getByRole('list', { name: '学时记录' }).getByRole('listitem').filter({ hasText: title })).toContainText(
    '+2 学时',
  );

  const authority = await (await browser.newContext({ javaScriptEnabled: !nojs })).newPage();
  await login(authority, testInfo, AUTHORITY);
  await authority.goto('/admin');
  await authority.getByRole('link', { name: '单位申报学时' }).click();
  await ready(authority, testInfo);
  const item = authority.getByRole('listitem').filter({ hasText: title });
  await item.getByLabel('撤销原因').fill('培训未实际开展');
  await item.getByRole('button', { name: '撤销' }).click();
  await expect(authority.getByRole('status')).toHaveText('已撤销，1 人的学时已冲销并通知本人');
  await expect(authority.getByRole('listitem').filter({ hasText: title })).toContainText('撤销原因：培训未实际开展');
  await authority.close();

  await page.goto(`/me/hours/${thisYear}`);
  const rows = page.getByRole('list', { name: '学时记录' }).getByRole('listitem').filter({ hasText: title });
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: '冲销' })).toContainText('−2 学时');
});

test('the unit imports hours from a spreadsheet: a bad file is refused line by line, a good one counts at once', async ({
  page,
}, testInfo) => {
  const title = `专业技术讲座-${testInfo.project.name}-${Date.now()}`;
  const chenJing = '510104198509210025';
  await login(page, testInfo, DEMO_UNIT_ADMIN);
  await page.goto('/admin/unit/declare/professional');
  await ready(page, testInfo);
  const form = page.getByRole('form', { name: '表格导入' });
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: '下载导入模板' }).click();
  expect((await download).suggestedFilename()).toBe('单位申报学时导入模板.xlsx');

  const upload = async (csv: string) => {
    await form.getByLabel('计入年度').selectOption(String(thisYear));
    await form.getByLabel('表格文件').setInputFiles({ name: 'hours.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await form.getByRole('button', { name: '导入并申报' }).click();
  };
  await upload(`身份证号,姓名,学时,培训内容\n${chenJing},张三,2,${title}\n12345,,1.25,${title}\n`);
  await expect(page.getByText(/^文件未导入：第 3 行：身份证号.*学时：学时最多保留一位小数$/)).toBeVisible();
  await upload(`身份证号,姓名,学时,培训内容\n${chenJing},张三,2,${title}\n`);
  await expect(page.getByText('文件未导入：第 2 行：姓名与身份证号不符')).toBeVisible();

  await upload(`身份证号,姓名,学时,培训内容\n${chenJing},陈静,2.5,${title}\n`);
  await expect(page.getByRole('status')).toHaveText('已为 1 人申报学时，即时计入学时完成情况');
  await page.goto(`/me/hours/${thisYear}`);
  const row = page.getByRole('list', { name: '学时记录' }).getByRole('listitem').filter({ hasText: title });
  await expect(row).toContainText('+2.5 学时');
  await expect(row).toContainText('单位申报 · 专业');
});

test('the authority adds a 继续教育类型 with its fields, and the trainee’s 申报 form asks them at once', async ({
  page,
  browser,
}, testInfo) => {
  const name = `技能竞赛${testInfo.project.name === 'hydrated' ? '甲' : '乙'}${Date.now() % 100000}`;
  await login(page, testInfo, AUTHORITY);
  await page.goto('/admin');
  await page.getByRole('link', { name: '继续教育类型' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { level: 1, name: '继续教育类型' })).toBeVisible();
  const fill = async (options: string) => {
    const card = page.getByRole('region', { name: '新增类型' });
    await card.getByLabel('类型名称').fill(name);
    await card.getByLabel('每项折算学时').fill('8');
    await card.getByLabel('第 1 个字段名称').fill('竞赛名称');
    await card.getByLabel('第 1 个字段必填').check();
    await card.getByLabel('第 2 个字段名称').fill('获奖等级');
    await card.getByLabel('第 2 个字段类型').selectOption({ label: '选项' });
    await card.getByLabel('第 2 个字段选项').fill(options);
    await card.getByRole('button', { name: '保存' }).click();
  };
  // A choice needs two options: refused, nothing saved.
  await fill('一等奖');
  await expect(
    page.getByRole('region', { name: '新增类型' }).getByText('选项类字段至少需要两个选项，用顿号分隔'),
  ).toBeVisible();
  await ready(page, testInfo);
  await expect(page.getByRole('region', { name })).toHaveCount(0);
  await fill('一等奖、二等奖、三等奖');
  await expect(page.getByRole('status')).toHaveText('已保存，申报表单即时更新');
  await expect(page.getByRole('region', { name })).toBeVisible();

  // The trainee sees the new kind, its fields and its conversion rule.
  const trainee = await (await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled })).newPage();
  await login(trainee, testInfo, TRAINEE);
  await trainee.goto('/me/records/new');
  await trainee.getByLabel('继续教育类型').selectOption({ label: name });
  await trainee.getByRole('button', { name: '下一步' }).click();
  await ready(trainee, testInfo);
  await expect(trainee.getByRole('heading', { name: `继续教育类型：${name}` })).toBeVisible();
  await expect(trainee.getByLabel('竞赛名称')).toBeVisible();
  await expect(trainee.getByLabel('获奖等级').getByRole('option')).toHaveText(['请选择', '一等奖', '二等奖', '三等奖']);
  await expect(trainee.getByText(`${name}按规定折算，每项计 8 学时。`)).toBeVisible();
  await trainee.close();
});
