import { expect, test } from '@playwright/test';
import { as, PROVIDER } from './flows';
import { login, ready } from './helpers';

// 李四 has paid for the demo online class (seed). The player and the hour counter run
// in the browser, so this flow runs in the hydrated project only.
const LEARNER = '13800000012';

test('select courses with the live counter, watch a chapter, pass the quiz after failing, hours appear', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(180_000);
  await login(page, testInfo, LEARNER);
  await page.goto('/learn');
  await expect(page.getByRole('heading', { name: '我的班级' })).toBeVisible();
  // The demo class (other tests may have paid for classes of their own meanwhile).
  await page
    .getByRole('list', { name: '我的班级' })
    .getByRole('listitem')
    .filter({ hasText: '专业技术人员公需科目在线培训' })
    .getByRole('link', { name: '立即学习' })
    .click();
  await expect(page.getByText('还没有选课', { exact: false })).toBeVisible();
  await page.getByRole('link', { name: '立即选课' }).click();
  await ready(page, testInfo);

  // The counter follows the ticks at once.
  await expect(page.getByTestId('selected-public')).toHaveText('0学时');
  await expect(page.getByTestId('needed-public')).toHaveText('30学时');
  const course = (title: string) => page.getByRole('listitem').filter({ hasText: title });
  await course('数字技术应用基础').getByText('选择课程').click();
  await expect(page.getByTestId('selected-public')).toHaveText('10学时');
  await expect(page.getByTestId('needed-public')).toHaveText('20学时');
  await course('专业技术人员职业道德与诚信建设').getByText('选择课程').click();
  await expect(page.getByTestId('selected-public')).toHaveText('22学时');
  await page.getByText('查看已选择课程（2）').click();
  await expect(page.getByRole('list', { name: '已选择课程' })).toContainText('数字技术应用基础（10学时）');
  await page.screenshot({ path: testInfo.outputPath('select-desktop.png'), fullPage: true });
  const selectionPage = page.url();
  await page.getByRole('button', { name: '确认选中的课程' }).click();
  await expect(page.getByRole('status')).toHaveText('已确认选课 2 门');
  await expect(page.getByRole('list', { name: '已选课程' })).toContainText('数字技术应用基础');
  // Back on the selection page the confirmed courses are counted and listed.
  const classPage = page.url();
  await page.goto(selectionPage);
  await ready(page, testInfo);
  await page.getByText('查看已选择课程（2）').click();
  await expect(page.getByRole('list', { name: '已选择课程' })).toContainText('数字技术应用基础（10学时，已确认）');
  await page.goto(classPage);
  await ready(page, testInfo);

  // The quiz is locked until the course is watched.
  const digital = page.getByRole('list', { name: '已选课程' }).getByRole('listitem').filter({ hasText: '数字技术应用基础' });
  await digital.getByRole('link', { name: '课后测验' }).click();
  await expect(page.getByRole('alert')).toContainText('学完全部章节后才能参加测验');
  await page.getByRole('link', { name: '继续学习' }).click();
  await ready(page, testInfo);

  // Play the chapter; a forward seek is pulled back; progress persists across a reload.
  const video = page.getByLabel('课程视频');
  await expect(video).toBeVisible();
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await page.waitForTimeout(3_000);
  await video.evaluate((v: HTMLVideoElement) => {
    v.currentTime = 9;
  });
  await expect(page.getByRole('status').filter({ hasText: '不能跳过' })).toBeVisible();
  expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(6);
  await video.evaluate((v: HTMLVideoElement) => v.pause());
  await expect(page.getByTestId('chapter-progress')).not.toHaveText('0%');
  const percent = async () => Number((await page.getByTestId('chapter-progress').textContent())!.replace('%', ''));
  const before = await percent();
  // What the last heartbeat stored is what the reloaded page shows (a heartbeat still
  // in flight when we looked may have added a little).
  await page.reload();
  await ready(page, testInfo);
  const after = await percent();
  expect(after).toBeGreaterThanOrEqual(before);
  expect(after).toBeLessThan(60);
  await page.screenshot({ path: testInfo.outputPath('player-desktop.png'), fullPage: true });

  // Watch to the end: the chapter and the course are complete.
  await page.getByLabel('课程视频').evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect(page.getByTestId('course-progress')).toHaveText('100%', { timeout: 30_000 });
  await expect(page.getByText('本章已学完')).toBeVisible();

  // The quiz: the 答题卡 counts answers; a sheet with blanks asks first.
  await page.getByRole('link', { name: '课后测验' }).click();
  await page.getByRole('button', { name: '开始测验' }).click();
  await ready(page, testInfo);
  await expect(page.getByTestId('answered-count')).toHaveText('0');
  const questions = page.locator('fieldset');
  await expect(questions).toHaveCount(5);
  // Answer only the first option of the first question, then hand in and accept.
  await questions.first().locator('input').first().check();
  await expect(page.getByTestId('answered-count')).toHaveText('1');
  page.once('dialog', (dialog) => {
    expect(dialog.message()).toContain('还有 4 题未作答');
    void dialog.accept();
  });
  await page.getByRole('button', { name: '我要交卷' }).click();
  await expect(page.getByRole('heading', { name: /测验结果/ })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('未达到及格线');
  await expect(page.getByText('题析：', { exact: false }).first()).toBeVisible();
  await expect(page.getByText('未作答', { exact: false }).first()).toBeVisible();

  // 继续测验, answered from the explanations' right answers this time.
  await page.getByRole('button', { name: '继续测验' }).click();
  await ready(page, testInfo);
  const sheet = page.locator('fieldset');
  await expect(sheet).toHaveCount(5);
  const answers = await rightAnswers(page);
  for (const [id, letters] of answers) {
    for (const letter of letters) {
      await page.locator(`input[data-question="${id}"][value="${letter}"]`).check();
    }
  }
  await expect(page.getByTestId('answered-count')).toHaveText('5');
  await page.getByRole('button', { name: '我要交卷' }).click();
  await expect(page.getByTestId('quiz-score')).toHaveText('100分');
  await expect(page.getByRole('status')).toHaveText('测验通过，获得公需10学时。');
  await page.screenshot({ path: testInfo.outputPath('result-desktop.png'), fullPage: true });

  // The hours appear on the class page.
  await page.getByRole('link', { name: '‹ 班级首页' }).click();
  await expect(page.getByTestId('earned-public')).toHaveText('10学时 / 30学时');

  // The provider, on a phone, cannot delete a question the attempts drew.
  const provider = await as(browser, testInfo, PROVIDER);
  await provider.setViewportSize({ width: 390, height: 844 });
  await provider.goto('/admin/courses');
  await provider.getByRole('link', { name: '数字技术应用基础' }).click();
  await ready(provider, testInfo);
  const bank = provider.getByRole('list', { name: '题库' });
  await expect(bank.getByRole('listitem')).toHaveCount(6);
  await bank.getByRole('button', { name: '删除' }).first().click();
  await expect(provider.getByRole('alert')).toContainText('不能删除');
  await expect(bank.getByRole('listitem')).toHaveCount(6);
  await provider.screenshot({ path: testInfo.outputPath('course-console-phone.png'), fullPage: true });
});

/** The right answers of the open sheet's questions, read from the quiz bank the way a
 * trainee who studied would know them: by the question text. */
async function rightAnswers(page: import('@playwright/test').Page): Promise<[string, string][]> {
  const bank: Record<string, string> = {
    设置密码时: 'C',
    收到要求提供验证码的陌生电话: 'F',
    个人信息包括: 'ABC',
    重要文件最好的保存方式是: 'B',
    公共场所的免费无线网络: 'F',
    发现电脑感染病毒: 'B',
  };
  const out: [string, string][] = [];
  for (const fieldset of await page.locator('fieldset').all()) {
    const text = (await fieldset.textContent()) ?? '';
    const id = (await fieldset.getAttribute('id'))!.replace('question-', '');
    const key = Object.keys(bank).find((k) => text.includes(k));
    expect(key, text).toBeTruthy();
    out.push([id, bank[key!]]);
  }
  return out;
}

test('the player resumes where the trainee stopped, after a visit that did not play', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await login(page, testInfo, LEARNER);
  await page.goto('/learn');
  await page
    .getByRole('list', { name: '我的班级' })
    .getByRole('listitem')
    .filter({ hasText: '专业技术人员公需科目在线培训' })
    .getByRole('link', { name: '立即学习' })
    .click();
  // A course of its own (the test above studies the others): chosen here if needed.
  const law = page.getByRole('list', { name: '已选课程' }).getByRole('listitem').filter({ hasText: '法治建设与依法行政' });
  if ((await law.count()) === 0) {
    await page.getByRole('link', { name: /立即选课|查看课程/ }).click();
    await ready(page, testInfo);
    await page.getByRole('listitem').filter({ hasText: '法治建设与依法行政' }).getByText('选择课程').click();
    await page.getByRole('button', { name: '确认选中的课程' }).click();
    await expect(page.getByRole('status')).toHaveText('已确认选课 1 门');
  }
  const playerStarted = () => page.waitForResponse((r) => r.url().includes('/api/learn/playback/start') && r.ok());
  let started = playerStarted();
  await law.getByRole('link', { name: /开始学习|复习/ }).click();
  await ready(page, testInfo);
  await started;
  const playerUrl = page.url();
  const video = page.getByLabel('课程视频');
  const position = () => video.evaluate((v: HTMLVideoElement) => v.currentTime);

  // Watch a few seconds and pause (the pause sends a heartbeat).
  const stored = page.waitForResponse((r) => r.url().includes('/api/learn/heartbeat') && r.ok());
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await page.waitForTimeout(4_000);
  await video.evaluate((v: HTMLVideoElement) => v.pause());
  await stored;
  const stopped = await position();
  expect(stopped).toBeGreaterThan(3);

  // Leave (to 课后测验), come back, and leave again without pressing play.
  await page.getByRole('link', { name: '课后测验' }).click();
  await expect(page).toHaveURL(/\/learn\/quiz\//);
  started = playerStarted();
  await page.goto(playerUrl);
  await ready(page, testInfo);
  await started;
  await page.getByRole('link', { name: '课后测验' }).click();
  await expect(page).toHaveURL(/\/learn\/quiz\//);
  // The leaving beacons are on their way; give the server a moment to store them.
  await page.waitForTimeout(2_000);

  // The next visit (and a reload of it) resumes where watching stopped, not at 0:00.
  for (const visit of ['return', 'reload']) {
    if (visit === 'return') {
      await page.goto(playerUrl);
    } else {
      await page.reload();
    }
    await ready(page, testInfo);
    await expect.poll(position, { message: visit }).toBeGreaterThan(stopped - 1.5);
    expect(await position()).toBeLessThan(stopped + 1);
  }
});
