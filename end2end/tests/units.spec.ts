import { expect, test } from '@playwright/test';
import {
  chooseUnit,
  codeIn,
  fillLogin,
  lastSms,
  login,
  makeCreditCode,
  makeIdNumber,
  makePhone,
  openLogin,
  ready,
} from './helpers';

const AUTHORITY = '13800000002';
const DEMO_UNIT_ADMIN = '13800000003';
const PASSWORD = 'Longquan Hills 2031';

test('a unit registers, the authority approves, the unit logs in, staff join and are approved', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(180_000);
  const nojs = testInfo.project.use.javaScriptEnabled === false;
  const code = makeCreditCode(nojs ? 3 : 4);
  const unitName = `成都测试设计院${nojs ? '乙' : '甲'}${code.slice(-4)}`;
  const adminId = makeIdNumber(nojs ? 21 : 22);
  const adminPhone = makePhone(testInfo, 2);

  // 单位注册: first the applicant's phone, with the captcha, then the SMS code and the rest.
  await openLogin(page, testInfo, '/register/unit');
  await page.getByLabel('手机号').fill(adminPhone);
  await page.getByLabel('验证码', { exact: true }).fill('TEST');
  await page.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(page.getByText(/验证码已发送至/)).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel('短信验证码').fill(codeIn(await lastSms(browser, adminPhone)));
  await page.getByLabel('统一社会信用代码').fill(code);
  await page.getByLabel(/营业执照或登记证书扫描件/).setInputFiles({
    name: '营业执照.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  });
  await page.getByLabel('单位名称').fill(unitName);
  await page.getByLabel('单位性质').selectOption('事业单位');
  await page.getByLabel('所属行业').selectOption('建筑业');
  await page.getByLabel('行业主管部门').fill('成都市住房和城乡建设局');
  await page.getByLabel('单位级别').selectOption('市级');
  await page.getByLabel('所在地区').selectOption('510100');
  await page.getByLabel('详细地址').fill('成都市青羊区');
  await page.getByLabel('身份证号').fill(adminId);
  await page.getByLabel('真实姓名').fill('钱七');
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByLabel('确认密码').fill(PASSWORD);
  await page.getByRole('button', { name: '注册' }).click();
  await expect(page.getByRole('status')).toHaveText('您已完成单位注册，请耐心等待所属人社部门审批');

  // Not yet: 此帐号还未被审核.
  await fillLogin(page, testInfo, adminPhone, PASSWORD);
  await expect(page.getByRole('alert')).toHaveText('此帐号还未被审核');

  // The authority approves.
  const authority = await (await browser.newContext()).newPage();
  await login(authority, { project: { use: { javaScriptEnabled: false } } } as never, AUTHORITY);
  await authority.goto('/admin/units');
  await authority.getByRole('link', { name: unitName }).click();
  await expect(authority.getByText(code)).toBeVisible();
  await authority.getByRole('button', { name: '审核通过' }).click();
  await expect(authority.getByRole('status')).toHaveText('审核结果已保存，已通知申请人');
  await authority.close();
  expect(await lastSms(browser, adminPhone)).toContain('审核通过');

  // 单位 login: credit code, account, password, captcha.
  await openLogin(page, testInfo, '/login?type=unit');
  await page.getByLabel('统一社会信用代码').fill(code);
  await page.getByLabel('账号').fill(adminId);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByLabel('验证码', { exact: true }).fill('TEST');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole('link', { name: '单位信息' }).click();
  await expect(page.getByRole('heading', { name: unitName })).toBeVisible();
  await page.getByRole('link', { name: '部门管理' }).click();
  await page.getByLabel('部门名称').last().fill('勘测部');
  await page.getByRole('button', { name: '新增' }).click();
  await expect(page.getByRole('status')).toHaveText('已保存');

  // A professional registers under this unit (a fresh browser).
  const staffContext = await browser.newContext({ javaScriptEnabled: !nojs });
  const staff = await staffContext.newPage();
  const staffPhone = makePhone(testInfo, 3);
  const staffId = makeIdNumber(nojs ? 31 : 32);
  await openLogin(staff, testInfo, '/register');
  await staff.getByLabel('手机号').fill(staffPhone);
  await staff.getByLabel('验证码', { exact: true }).fill('TEST');
  await staff.getByRole('button', { name: '获取短信验证码' }).click();
  await expect(staff.getByText(/验证码已发送至/)).toBeVisible();
  await ready(staff, testInfo);
  await chooseUnit(staff, testInfo, '510100', unitName);
  await staff.getByLabel('短信验证码').fill(codeIn(await lastSms(browser, staffPhone)));
  await staff.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await staff.getByLabel('确认密码').fill(PASSWORD);
  await staff.getByLabel('所属部门').selectOption({ label: '勘测部' });
  await staff.getByLabel('电子邮箱').fill('staff@example.cn');
  await staff.getByLabel('身份证号').fill(staffId);
  await staff.getByLabel('真实姓名').fill('孔三');
  await staff.getByLabel('民族').selectOption('汉族');
  await staff.getByRole('button', { name: '注册', exact: true }).click();
  await expect(staff.getByRole('status')).toHaveText('您已完成专技人员注册，请耐心等待所属单位审批');
  await fillLogin(staff, testInfo, staffId, PASSWORD);
  await expect(staff.getByRole('alert')).toHaveText('此帐号还未被审核');

  // The unit approves: 审核注册账号.
  await page.getByRole('link', { name: '审核注册账号' }).click();
  await expect(page.getByText('孔三')).toBeVisible();
  await page.getByRole('button', { name: '通过' }).click();
  await expect(page.getByRole('status')).toHaveText('审核结果已保存，已通知本人');
  await page.getByRole('link', { name: '人员管理' }).click();
  await expect(page.getByText('孔三')).toBeVisible();

  // Now the professional logs in.
  await fillLogin(staff, testInfo, staffId, PASSWORD);
  await expect(staff).toHaveURL(/\/me$/);
  await expect(staff.getByTestId('current-user')).toHaveText('孔三');
  await staffContext.close();
});

test('a CSV import creates an account that must change its password at first login', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const nojs = testInfo.project.use.javaScriptEnabled === false;
  const phone = makePhone(testInfo, 4);
  const id = makeIdNumber(nojs ? 41 : 42);
  await login(page, testInfo, DEMO_UNIT_ADMIN);
  await page.goto('/admin/unit/staff');
  await ready(page, testInfo);
  const csv = `姓名,身份证号,手机号,部门\n严五,${id},${phone},设计部\n坏行,123,${phone},\n`;
  await page.getByLabel('表格文件').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: '导入' }).click();
  await expect(page.getByRole('heading', { name: '导入结果' })).toBeVisible();
  await expect(page.getByText('新建 1 人，关联 0 人，未导入 1 行')).toBeVisible();
  await expect(page.getByRole('row', { name: /严五/ })).toContainText('已新建账号');
  await expect(page.getByRole('row', { name: /坏行/ })).toContainText('未导入');

  const sms = await lastSms(browser, phone);
  const oneTime = sms.split('初始密码')[1].slice(0, 10);
  const staffContext = await browser.newContext({ javaScriptEnabled: !nojs });
  const staff = await staffContext.newPage();
  await fillLogin(staff, testInfo, phone, oneTime);
  await expect(staff).toHaveURL(/\/me\/password$/);
  await expect(staff.getByRole('alert')).toContainText('请先设置自己的密码');
  // Any other page sends the account back here.
  await staff.goto('/me/info');
  await expect(staff).toHaveURL(/\/me\/password$/);
  await ready(staff, testInfo);
  await staff.getByLabel('原密码').fill(oneTime);
  await staff.getByLabel('新密码', { exact: true }).fill(PASSWORD);
  await staff.getByLabel('确认新密码').fill(PASSWORD);
  await staff.getByRole('button', { name: '修改密码' }).click();
  await expect(staff.getByRole('status')).toHaveText('密码已修改，其他设备上的登录已退出');
  await staff.goto('/me/info');
  await expect(staff.getByText('四川示范水利工程有限公司')).toBeVisible();
  await staffContext.close();
});

test('the unit admin searches its people, then makes one of them an admin and removes them again', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const nojs = testInfo.project.use.javaScriptEnabled === false;
  const phone = makePhone(testInfo, 5);
  const id = makeIdNumber(nojs ? 51 : 52);
  const name = nojs ? '管乙' : '管甲';
  await login(page, testInfo, DEMO_UNIT_ADMIN);

  // Someone of the unit, added by import, so no other test's account is touched.
  await page.goto('/admin/unit/staff');
  await ready(page, testInfo);
  const csv = `姓名,身份证号,手机号,部门\n${name},${id},${phone},\n`;
  await page.getByLabel('表格文件').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: '导入' }).click();
  await expect(page.getByText('新建 1 人，关联 0 人，未导入 0 行')).toBeVisible();

  // 人员管理: the count in the card's heading, and the search by name.
  await page.getByRole('link', { name: '返回人员管理' }).click();
  await expect(page.getByRole('heading', { name: /^本单位人员（\d+人）$/ })).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel('搜索人员').fill(name);
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page).toHaveURL(/[?&]q=/);
  await expect(page.getByRole('heading', { name: '本单位人员（1人）' })).toBeVisible();
  await expect(page.getByText(name, { exact: true })).toBeVisible();
  await expect(page.getByText('张三', { exact: true })).toHaveCount(0);
  await page.getByLabel('搜索人员').fill('没有这个人');
  await page.getByRole('button', { name: '搜索' }).click();
  await expect(page.getByText('没有找到人员')).toBeVisible();

  // 单位管理员: add by phone, then remove.
  await page.goto('/admin/unit/managers');
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { name: '单位管理员', level: 1 })).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: '（我）' })).toBeVisible();
  await page.getByLabel('手机号或身份证号').fill(phone);
  await page.getByRole('button', { name: '添加' }).click();
  await expect(page.getByRole('status')).toHaveText('已添加管理员');
  const row = page.getByRole('listitem').filter({ hasText: name });
  await expect(row).toContainText(`${phone.slice(0, 3)}****${phone.slice(7)}`);
  await row.getByRole('button', { name: '移除' }).click();
  await expect(page.getByRole('status')).toHaveText('已移除管理员');
  await expect(page.getByRole('listitem').filter({ hasText: name })).toHaveCount(0);
});
