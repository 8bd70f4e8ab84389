import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

// The server under test: the debug build made by `cargo leptos build`, on a fresh
// SQLite database seeded with the demo data, with a fixed captcha answer (allowed
// outside production mode only).
const port = Number(process.env.XUESHI_E2E_PORT ?? 3100);
const bin = process.env.XUESHI_BIN ?? path.join(os.homedir(), '.cache/xueshi/target/debug/xueshi');
const dataDir = path.join(os.tmpdir(), `xueshi-e2e-${port}`);
const siteRoot = path.resolve(__dirname, '../target/site');

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 2,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'zh-CN',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'hydrated', use: { javaScriptEnabled: true } },
    // The same flows with JavaScript off: pages and forms work from the server alone.
    { name: 'no-js', use: { javaScriptEnabled: false }, testIgnore: /\.hydrated\.spec\.ts$/ },
  ],
  webServer: {
    command: `rm -rf '${dataDir}' && mkdir -p '${dataDir}' && '${bin}' seed-demo && exec '${bin}' serve`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      XUESHI_DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
      XUESHI_STORAGE_DIR: `${dataDir}/files`,
      XUESHI_SITE_ROOT: siteRoot,
      XUESHI_LISTEN: `127.0.0.1:${port}`,
      XUESHI_CAPTCHA_FIXED: 'TEST',
      // Every page with a form issues a captcha, and all tests come from one address.
      XUESHI_CAPTCHA_ISSUE_LIMIT: '100000',
      RUST_LOG: 'warn',
    },
  },
});
